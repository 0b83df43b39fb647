"""Story 7: rural stations file for villagers."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from xietong.cases.choices import CaseState, Door, Product

from ..data import amounts_for
from ..engine import Region
from ..words import ym, yuan


def plan(region: Region) -> None:
    """7. Rural stations file for villagers."""
    S = CaseState
    for key, person, station, agent, target, product, category, between, days in (
        (
            "station",
            "villager",
            "peixie",
            "station",
            S.MEDIATING,
            Product.BUSINESS_LOAN,
            "rural",
            (40_000, 50_000),
            (6, 9),
        ),
        (
            "station-2",
            "villager2",
            "wanan",
            "station2",
            S.FULFILLED,
            Product.CONSUMER_LOAN,
            "consumer-loan",
            (15_000, 30_000),
            (30, 60),
        ),
    ):
        rng = random.Random(f"{region.seed}:{key}")
        villager = region.special[person]
        amounts = amounts_for(rng, product, between=between)
        org = region.orgs[station]
        took = timezone.localtime(region.deadline).date() - dt.timedelta(days=rng.randint(700, 1100))
        if product == Product.BUSINESS_LOAN:
            facts = (
                f"申请人{villager.name}系小池镇培斜村村民，于{ym(took)}向福建龙岩农村商业银行股份有限公司申请农户"
                f"小额信用贷款{yuan(amounts[0])}用于种植竹荪，因行情下跌未能按期还款，尚欠利息{yuan(amounts[1])}、"
                f"违约金{yuan(amounts[2])}。经{org.display_name}代为提交调解申请，请求协商延期并分期还款。"
            )
        else:
            facts = (
                f"申请人{villager.name}系万安镇村民，于{ym(took)}向福建龙岩农村商业银行股份有限公司借款用于购买农机，"
                f"尚欠本金{yuan(amounts[0])}。经{org.display_name}代为提交调解申请，请求协商减免违约金后一次性还清。"
            )
        plan = region.dispute(
            key,
            rng,
            target=target,
            inst="rcb",
            product=product,
            debtor=villager,
            category=region.categories[category],
            door=Door.STATION,
            filer=region.users[agent],
            bank_applies=False,
            station=org,
            amounts=amounts,
            months=1 if target == S.FULFILLED else 12,
            facts=facts,
            tags=("station",),
            who_kwargs={"mediator": "mediator"},
        )
        start = region.deadline - dt.timedelta(days=rng.uniform(*days))
        region.schedule(plan, rng, start=start, speed=0.3 if region.is_fast(plan) else 1.0)


# Putting it together ---------------------------------------------------------------------
