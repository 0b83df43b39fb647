"""Story 2: the Postal Savings Bank's batch of 89 credit-card cases, 82 closed within the month."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from xietong.audit.services import SYSTEM
from xietong.cases.choices import CaseState, Door, Product

from ..data import BATCH_CLOSED, BATCH_SIZE, amounts_for
from ..engine import Region, is_workday, local_tz
from ..words import batch_marker


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
    for i, target in enumerate(targets, start=1):
        closing = target in (S.FULFILLED, S.CLOSED)
        months = 1 if closing else rng.choice((6, 12))
        plan = region.dispute(
            f"batch-{i}",
            rng,
            target=target,
            inst="psbc",
            product=Product.CREDIT_CARD,
            debtor=region.take(),
            category=region.categories["credit-card"],
            door=Door.BATCH,
            filer=region.users["psbc"],
            amounts=amounts_for(rng, Product.CREDIT_CARD, between=(2_000, 45_000)),
            triager=SYSTEM,
            via="fulfilled" if target == S.CLOSED else "",
            months=months,
            facts_prefix=batch_marker(*region.batch_month, bank.display_name) + f"第{i}件。",
            tags=("batch",),
            who_kwargs={"integrated": False},
        )
        filed = start + dt.timedelta(seconds=7 * i)
        region.schedule(
            plan,
            rng,
            start=filed,
            floor=filed,
            deadline=month_end if closing else None,
            speed=0.6 if closing else 1.0,
        )
