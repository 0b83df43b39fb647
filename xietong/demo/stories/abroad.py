"""Story 3: a debtor working in Indonesia, mediated online up to judicial confirmation."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from xietong.cases.choices import CaseState, Door, Product

from ..data import amounts_for
from ..engine import Region
from ..words import ym, yuan


def plan(region: Region) -> None:
    """3. A debtor working in Indonesia, mediated online up to judicial confirmation."""
    rng = random.Random(f"{region.seed}:abroad")
    wang = region.special["abroad"]
    start = region.deadline - dt.timedelta(days=rng.uniform(24, 30))
    amounts = amounts_for(rng, Product.CREDIT_CARD, between=(25_000, 45_000))
    filed = timezone.localtime(start).date()
    facts = (
        f"申请人{wang.name}于{ym(filed - dt.timedelta(days=2400))}申领建设银行信用卡，出国务工前透支消费，"
        f"自{ym(filed - dt.timedelta(days=700))}起未按期还款，尚欠本金{yuan(amounts[0])}、"
        f"利息{yuan(amounts[1])}、违约金{yuan(amounts[2])}。申请人现在印度尼西亚雅加达务工，表示欠款一定还清，"
        f"请求给予更宽裕的还款期限，分期偿还，并通过线上方式调解。"
    )
    plan = region.dispute(
        "abroad",
        rng,
        target=CaseState.CONFIRMED,
        inst="ccb",
        product=Product.CREDIT_CARD,
        debtor=wang,
        category=region.categories["credit-card"],
        door=Door.ONLINE,
        filer=region.party(wang),
        bank_applies=False,
        amounts=amounts,
        months=24,
        facts=facts,
        tags=("abroad",),
        before=lambda: region.register(wang, username="wang"),
        bargain=True,
        who_kwargs={"integrated": True, "mediator": "mediator", "judge": "judge"},
        notes={
            "start_mediation": "经申请人同意，通过平台视频调解室在线调解（申请人身在印度尼西亚雅加达）。",
            "confirm": "通过在线视频询问双方当事人，确认调解协议系双方真实意思表示，予以司法确认。",
        },
    )
    region.schedule(plan, rng, start=start, floor=start - dt.timedelta(days=5))
