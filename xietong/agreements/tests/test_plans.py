"""Instalment plans: the pure functions."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import random
from decimal import Decimal

import pytest

from xietong.agreements.plans import add_months, parse_plan_text, plan_check, plan_instalments
from xietong.core.errors import DomainError

TODAY = dt.date(2026, 1, 10)


@pytest.mark.parametrize("seed", range(5))
def test_random_plans_always_sum_exactly(seed):
    rng = random.Random(seed)
    for _ in range(400):
        months = rng.randint(1, 120)
        fen = rng.randint(months, 10**9)
        total = Decimal(fen) / 100
        month = rng.randint(1, 12)
        first = dt.date(2026, month, rng.randint(1, calendar.monthrange(2026, month)[1]))
        plan = plan_instalments(total, months, first)
        amounts = [a for _, a in plan]
        assert len(plan) == months
        assert sum(amounts) == total
        assert all(a > 0 and a == a.quantize(Decimal("0.01")) for a in amounts)
        assert len(set(amounts[:-1])) <= 1  # equal, the remainder on the last
        assert amounts[-1] >= amounts[0]
        assert amounts[-1] - amounts[0] < Decimal("0.01") * months
        dates = [d for d, _ in plan]
        assert dates[0] == first
        assert all(a < b for a, b in itertools.pairwise(dates))
        # the plan passes the hand-edited plan check too
        assert plan_check(plan, total, today=first) == plan


def test_the_remainder_goes_on_the_last_instalment():
    plan = plan_instalments(Decimal("100.00"), 3, dt.date(2026, 1, 20))
    assert [a for _, a in plan] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert [d for d, _ in plan] == [dt.date(2026, 1, 20), dt.date(2026, 2, 20), dt.date(2026, 3, 20)]


def test_days_29_to_31_are_clamped_to_the_month_end():
    plan = plan_instalments(Decimal("1200.00"), 4, dt.date(2026, 1, 31))
    assert [d for d, _ in plan] == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
    ]
    leap = plan_instalments(Decimal("10.00"), 2, dt.date(2028, 1, 30))
    assert leap[1][0] == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 11, 15), 3, 31) == dt.date(2027, 2, 28)


def test_day_of_month_sets_the_following_dates():
    plan = plan_instalments(Decimal("300.00"), 3, dt.date(2026, 1, 5), day_of_month=20)
    assert [d for d, _ in plan] == [dt.date(2026, 1, 5), dt.date(2026, 2, 20), dt.date(2026, 3, 20)]


@pytest.mark.parametrize(
    ("total", "months", "code"),
    [
        (Decimal("0.02"), 3, "plan_too_small"),
        (Decimal("0"), 1, "plan_total"),
        (Decimal("-5"), 1, "plan_total"),
        (Decimal("10.001"), 1, "plan_total"),
        (Decimal("100"), 0, "plan_months"),
        (Decimal("100"), 121, "plan_months"),
    ],
)
def test_impossible_plans_are_refused(total, months, code):
    with pytest.raises(DomainError) as exc:
        plan_instalments(total, months, TODAY)
    assert exc.value.code == code


def D(s: str) -> Decimal:
    return Decimal(s)


@pytest.mark.parametrize(
    ("plan", "code"),
    [
        ([], "plan_empty"),
        ([(dt.date(2026, 2, 1), D("50")), (dt.date(2026, 3, 1), D("49.99"))], "plan_sum"),
        ([(dt.date(2026, 2, 1), D("50")), (dt.date(2026, 3, 1), D("50.01"))], "plan_sum"),
        ([(dt.date(2026, 2, 1), D("100.5")), (dt.date(2026, 3, 1), D("-0.5"))], "plan_amount"),
        ([(dt.date(2026, 2, 1), D("100")), (dt.date(2026, 3, 1), D("0"))], "plan_amount"),
        ([(dt.date(2026, 2, 1), D("50.005")), (dt.date(2026, 3, 1), D("49.995"))], "plan_cents"),
        ([(dt.date(2026, 3, 1), D("50")), (dt.date(2026, 2, 1), D("50"))], "plan_order"),
        ([(dt.date(2026, 3, 1), D("50")), (dt.date(2026, 3, 1), D("50"))], "plan_order"),
        ([(dt.date(2026, 1, 9), D("50")), (dt.date(2026, 3, 1), D("50"))], "plan_past"),
    ],
)
def test_bad_hand_edited_plans_are_refused_with_a_clear_message(plan, code):
    with pytest.raises(DomainError) as exc:
        plan_check(plan, D("100.00"), today=TODAY)
    assert exc.value.code == code
    assert str(exc.value.message)


def test_the_sum_message_names_the_difference():
    with pytest.raises(DomainError) as exc:
        plan_check([(dt.date(2026, 2, 1), D("60")), (dt.date(2026, 3, 1), D("39.99"))], D("100.00"), today=TODAY)
    assert (
        "99.99" in str(exc.value.message) and "100.00" in str(exc.value.message) and "-0.01" in str(exc.value.message)
    )


def test_a_good_hand_edited_plan_passes():
    plan = [(dt.date(2026, 1, 10), D("10")), (dt.date(2026, 2, 1), D("90.00"))]
    assert plan_check(plan, D("100.00"), today=TODAY) == [
        (dt.date(2026, 1, 10), D("10.00")),
        (dt.date(2026, 2, 1), D("90.00")),
    ]


def test_plan_text_is_parsed_and_bad_lines_are_named():
    assert parse_plan_text("2026-02-01 50\n\n2026-03-01,50.00\n") == [
        (dt.date(2026, 2, 1), D("50")),
        (dt.date(2026, 3, 1), D("50.00")),
    ]
    for text, code in [("2026-02-01", "plan_line"), ("2026-02-31 5", "plan_date"), ("2026-02-01 abc", "plan_amount")]:
        with pytest.raises(DomainError) as exc:
            parse_plan_text(text)
        assert exc.value.code == code
