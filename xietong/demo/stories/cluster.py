"""Story 6 (the region's part): twelve similar disputes against one bank's consumer loans in the last two weeks."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from functools import partial

from django.utils import timezone

from xietong.cases.choices import CaseState, Door, Product

from ..data import amounts_for
from ..engine import Region
from ..words import ym, yuan


def plan(region: Region) -> None:
    """6. Twelve similar disputes against one bank's consumer loans in the last two weeks."""
    rng = random.Random(f"{region.seed}:cluster")
    bank = region.orgs["cib"]
    floor = region.deadline - dt.timedelta(days=14)
    starts = sorted(region.deadline - dt.timedelta(days=rng.uniform(0.3, 13.5)) for _ in range(12))
    S = CaseState
    targets = [S.MEDIATING] * 4 + [S.TRIAGED] * 4 + [S.SUBMITTED] * 4
    for n, (start, target) in enumerate(zip(starts, targets, strict=True)):
        debtor = region.take()
        online = rng.random() < 0.7
        amounts = amounts_for(rng, Product.CONSUMER_LOAN, between=(40_000, 120_000))
        fee = (amounts[0] * Decimal(str(rng.uniform(0.08, 0.15)))).quantize(Decimal("1"))
        took = timezone.localtime(start).date() - dt.timedelta(days=rng.randint(200, 420))
        facts = (
            f"申请人{debtor.name}经某贷款中介公司业务员推介，于{ym(took)}通过{bank.name}办理个人消费贷款"
            f"{yuan(amounts[0])}，放款后被中介以“服务费”名义收取{fee}元；现无力按期还款，"
            f"尚欠利息{yuan(amounts[1])}、违约金{yuan(amounts[2])}，认为贷款实际成本远高于合同约定。"
        )
        plan = region.dispute(
            f"cluster-{n}",
            rng,
            target=target,
            inst="cib",
            product=Product.CONSUMER_LOAN,
            debtor=debtor,
            category=region.categories["consumer-loan"],
            door=Door.ONLINE if online else Door.COUNTER,
            filer=region.party(debtor) if online else region.users["clerk"],
            bank_applies=False,
            amounts=amounts,
            facts=facts,
            tags=("cluster",),
            before=partial(region.register, debtor) if online else None,
            assign_when_triaged=n % 2 == 0,
        )
        region.schedule(plan, rng, start=start, floor=floor)
