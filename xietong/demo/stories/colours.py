"""Story 4: green, yellow and red disputes in their channels, and a fast-track small claim closed in days."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from xietong.cases.choices import CaseState, Door, Product
from xietong.cases.models import Category

from ..data import amounts_for
from ..engine import Region, is_workday, local_tz


def plan(region: Region) -> None:
    """4. Green, yellow and red disputes, in the channels the rules give their colours, and a fast-track small claim closed in days."""
    S = CaseState
    c = region.categories
    showcase: list[tuple[str, str, str, Category, str, tuple[int, int], str]] = [
        ("green", "abc", Product.BUSINESS_LOAN, c["eco"], S.MEDIATING, (200_000, 400_000), ""),
        (
            "yellow",
            "rcb",
            Product.BUSINESS_LOAN,
            c["rural"],
            S.FAILED,
            (60_000, 85_000),
            "",
        ),
        (
            "red",
            "rcb",
            Product.BUSINESS_LOAN,
            c["youth"],
            S.TRIAGED,
            (150_000, 200_000),
            "同一创业园区另有多名创业青年的同类贷款集中逾期，存在群体性风险。",
        ),
    ]
    for key, inst, product, category, target, between, extra in showcase:
        rng = random.Random(f"{region.seed}:colour:{key}")
        plan = region.dispute(
            f"colour-{key}",
            rng,
            target=target,
            inst=inst,
            product=product,
            debtor=region.take(),
            category=category,
            door=Door.COUNTER,
            filer=region.users["clerk"],
            guarantor=region.take() if key != "red" else None,
            amounts=amounts_for(rng, product, between=between),
            tags=("colours",),
            notes={"fail_mediation": "被申请人的生猪养殖场受洪灾损毁，暂无还款能力，双方未能达成一致。"}
            if key == "yellow"
            else None,
        )
        if extra:
            inner = plan.build

            def build(
                filed: dt.datetime, inner: Callable[[dt.datetime], dict[str, Any]] = inner, extra: str = extra
            ) -> dict[str, Any]:
                kwargs = inner(filed)
                kwargs["facts"] += extra
                return kwargs

            plan.build = build
        speed = 0.3 if region.is_fast(plan) else 1.0
        region.schedule(plan, rng, start=region.start_for(rng, target, plan.steps, speed), speed=speed)

    rng = random.Random(f"{region.seed}:fast")
    plan = region.dispute(
        "fast-track",
        rng,
        target=S.CLOSED,
        via="fulfilled",
        inst="rcb",
        product=Product.CONSUMER_LOAN,
        debtor=region.take(),
        category=c["consumer-loan"],
        door=Door.ONLINE,
        filer=region.users["rcb"],
        amounts=amounts_for(rng, Product.CONSUMER_LOAN, between=(22_000, 30_000)),
        months=1,
        tags=("fast_track",),
        who_kwargs={"mediator": "mediator", "judge": "judge"},
    )
    # Filed on a Monday morning, closed within the week.
    day = timezone.localtime(region.deadline - dt.timedelta(days=rng.uniform(18, 24))).date()
    while day.weekday() != 0 or not is_workday(day):
        day += dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(9, 10), tzinfo=local_tz())
    region.schedule(plan, rng, start=start, floor=start, speed=0.08)
