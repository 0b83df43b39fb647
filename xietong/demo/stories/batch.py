"""Story 2: the Postal Savings Bank's batch of 89 credit-card cases, 82 closed within the month."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from xietong.audit.services import SYSTEM
from xietong.batches import demo as batches_demo
from xietong.batches.demo import card_number, money
from xietong.cases.choices import CaseState, Door, Product

from ..data import BATCH_CLOSED, BATCH_SIZE, amounts_for
from ..engine import Plan, Region, is_workday, local_tz


def plan(region: Region) -> None:
    """2. The Postal Savings Bank's batch of 89 credit-card cases: 82 closed within the month."""
    rng = random.Random(f"{region.seed}:batch")
    tz = local_tz()
    first_this = timezone.localtime(region.now).date().replace(day=1)
    first_prev = (first_this - dt.timedelta(days=1)).replace(day=1)
    day = first_prev
    while not is_workday(day):
        day += dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(9, 30), tzinfo=tz)
    month_end = dt.datetime.combine(first_this, dt.time(0, 0), tzinfo=tz) - dt.timedelta(hours=2)
    region.batch_month = (first_prev.year, first_prev.month)
    S = CaseState
    targets = [S.FULFILLED] * 50 + [S.CLOSED] * (BATCH_CLOSED - 50)
    targets += [S.PERFORMING] * 3 + [S.FILED] * 2 + [S.TRIED] + [S.MEDIATING]
    assert len(targets) == BATCH_SIZE
    rng.shuffle(targets)
    bank = region.orgs["psbc"]
    year, month = region.batch_month
    plans: list[Plan] = []
    rows: list[dict[str, str]] = []
    for i, target in enumerate(targets, start=1):
        closing = target in (S.FULFILLED, S.CLOSED)
        months = 1 if closing else rng.choice((6, 12))
        debtor = region.take()
        amounts = amounts_for(rng, Product.CREDIT_CARD, between=(2_000, 45_000))
        overdue_since = timezone.localtime(start).date() - dt.timedelta(days=60 + (i * 37) % 300)
        rows.append(
            {
                "name": debtor.name,
                "id_number": debtor.id_number,
                "phone": debtor.phone,
                "contract_number": card_number(year, month, i),
                "product": "信用卡",
                "principal": money(amounts[0]),
                "interest": money(amounts[1]),
                "penalty": money(amounts[2]),
                "overdue_since": overdue_since.isoformat(),
                "overdue_days": str((timezone.localtime(start).date() - overdue_since).days),
                "consent_e_service": "是" if i % 3 else "否",
            }
        )
        plan = region.dispute(
            f"batch-{i}",
            rng,
            target=target,
            inst="psbc",
            product=Product.CREDIT_CARD,
            debtor=debtor,
            category=region.categories["credit-card"],
            door=Door.BATCH,
            filer=region.users["psbc"],
            amounts=amounts,
            triager=SYSTEM,
            via="fulfilled" if target == S.CLOSED else "",
            months=months,
            tags=("batch",),
            who_kwargs={"integrated": False},
            opened_by_batch=True,
        )
        plans.append(plan)
        filed = start + dt.timedelta(minutes=2)
        region.schedule(
            plan,
            rng,
            start=filed,
            floor=filed,
            deadline=month_end if closing else None,
            speed=0.6 if closing else 1.0,
        )

    def delivered() -> None:
        # The bank's operator uploads the month's file and imports it; the clock runs while it does.
        with region.timeline.running():
            ids = batches_demo.deliver(
                actor=region.users["psbc"],
                institution=bank,
                name=f"{year}年{month}月信用卡逾期批量委托.csv",
                rows=rows,
            )
        for plan, case_id in zip(plans, ids, strict=True):
            plan.ref.id = case_id

    region.timeline.at(start, delivered)
