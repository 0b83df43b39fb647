"""The pure rules: allocation (property-based), instalment states at the boundaries, quiet hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xietong.core.errors import DomainError
from xietong.repayment.choices import InstalmentState as S
from xietong.repayment.choices import ReminderKind
from xietong.repayment.rules import Owed, allocate, instalment_state, plan_defaults, quiet_hours, reminder_due

D0 = dt.date(2026, 1, 20)
fen = st.integers(min_value=1, max_value=5_000_000).map(lambda n: Decimal(n) / 100)


@settings(max_examples=300, deadline=None)
@given(amounts=st.lists(fen, min_size=1, max_size=24), payments=st.lists(fen, min_size=1, max_size=30))
def test_allocation_never_loses_or_creates_a_fen(amounts, payments):
    owed = dict(enumerate(amounts, start=1))
    paid = {n: Decimal("0.00") for n in owed}
    total = sum(amounts, Decimal("0.00"))
    received = Decimal("0.00")
    for amount in payments:
        rows = [Owed(seq=n, due_date=D0 + dt.timedelta(days=30 * n), outstanding=owed[n] - paid[n]) for n in owed]
        balance = total - sum(paid.values(), Decimal("0.00"))
        if amount > balance:
            with pytest.raises(DomainError) as exc:
                allocate(rows, amount)
            assert exc.value.code == "amount_above_balance"
            continue
        parts = allocate(rows, amount)
        assert sum((p for _s, p in parts), Decimal("0.00")) == amount  # nothing lost, nothing made
        assert all(p > 0 and p == p.quantize(Decimal("0.01")) for _s, p in parts)
        for seq, part in parts:
            paid[seq] += part
            assert paid[seq] <= owed[seq]  # never more than an instalment owes
        # oldest first: every instalment before the last one touched is paid in full
        last = parts[-1][0]
        assert all(paid[n] == owed[n] for n in owed if n < last)
        received += amount
    assert sum(paid.values(), Decimal("0.00")) == received <= total


def test_allocation_carries_part_and_over_payments():
    rows = [Owed(1, D0, Decimal("100.00")), Owed(2, D0 + dt.timedelta(days=30), Decimal("100.00"))]
    assert allocate(rows, Decimal("30.00")) == [(1, Decimal("30.00"))]
    assert allocate(rows, Decimal("150.01")) == [(1, Decimal("100.00")), (2, Decimal("50.01"))]
    for bad in (Decimal("0"), Decimal("-1.00"), Decimal("200.01")):
        with pytest.raises(DomainError):
            allocate(rows, bad)


@pytest.mark.parametrize(
    ("today", "paid", "state"),
    [
        (D0 - dt.timedelta(days=1), "0.00", S.SCHEDULED),
        (D0 - dt.timedelta(days=1), "10.00", S.PART_PAID),
        (D0, "0.00", S.DUE),
        (D0 + dt.timedelta(days=1), "0.00", S.LATE),
        (D0 + dt.timedelta(days=15), "10.00", S.LATE),  # the last day of grace
        (D0 + dt.timedelta(days=16), "10.00", S.MISSED),  # the first day after it
        (D0 + dt.timedelta(days=99), "100.00", S.PAID),
    ],
)
def test_instalment_state_at_the_grace_boundaries(today, paid, state):
    got = instalment_state(
        current=S.SCHEDULED, due_date=D0, amount=Decimal("100.00"), paid=Decimal(paid), today=today, grace_days=15
    )
    assert got == state


def test_zero_grace_days_and_kept_states():
    args = {"due_date": D0, "amount": Decimal("1.00"), "paid": Decimal("0"), "grace_days": 0}
    assert instalment_state(current=S.SCHEDULED, today=D0 + dt.timedelta(days=1), **args) == S.MISSED
    assert instalment_state(current=S.SUSPENDED, today=D0 + dt.timedelta(days=99), **args) == S.SUSPENDED


@pytest.mark.parametrize(
    ("paid", "waived", "today", "state"),
    [
        ("0.00", "100.00", D0 + dt.timedelta(days=99), S.WAIVED),  # wholly waived: never late
        ("40.00", "60.00", D0 + dt.timedelta(days=99), S.PAID),  # part paid, the rest waived: settled
        ("0.00", "60.00", D0 + dt.timedelta(days=1), S.LATE),  # part waived: the rest is still owed
        ("0.00", "60.00", D0 - dt.timedelta(days=1), S.SCHEDULED),
    ],
)
def test_a_waived_instalment_is_settled_once_nothing_is_owed(paid, waived, today, state):
    got = instalment_state(
        current=S.SCHEDULED,
        due_date=D0,
        amount=Decimal("100.00"),
        paid=Decimal(paid),
        waived=Decimal(waived),
        today=today,
        grace_days=15,
    )
    assert got == state


def test_default_after_so_many_missed():
    assert not plan_defaults([S.MISSED, S.LATE], 2)
    assert plan_defaults([S.MISSED, S.MISSED, S.SCHEDULED], 2)
    assert plan_defaults([S.MISSED], 1)


@pytest.mark.parametrize(
    ("utc_hour", "tz", "quiet"),
    [
        (0, "Asia/Shanghai", False),  # 08:00 in Beijing: allowed
        (23, "Asia/Shanghai", True),  # 07:00 in Beijing
        (12, "Asia/Shanghai", False),  # 20:00
        (13, "Asia/Shanghai", True),  # 21:00
        (0, "Asia/Jakarta", True),  # 07:00 in Jakarta while it is 08:00 in Beijing
        (1, "Asia/Jakarta", False),  # 08:00 in Jakarta
        (13, "Asia/Jakarta", False),  # 20:00 in Jakarta, 21:00 in Beijing
        (14, "Asia/Jakarta", True),  # 21:00 in Jakarta
        (14, "Europe/London", False),  # 14:00 in London (winter)
        (14, "Not/AZone", True),  # an unknown zone falls back to the center's: 22:00
    ],
)
def test_quiet_hours_in_the_debtors_own_time_zone(utc_hour, tz, quiet):
    now = dt.datetime(2026, 12, 3, utc_hour, 0, tzinfo=dt.UTC)
    assert quiet_hours(now, tz) is quiet


def test_the_four_reminder_days():
    days = {offset: reminder_due(due_date=D0, local_today=D0 + dt.timedelta(days=offset)) for offset in range(-5, 10)}
    assert {k: v for k, v in days.items() if v} == {
        -3: ReminderKind.BEFORE_3,
        0: ReminderKind.ON_DAY,
        1: ReminderKind.AFTER_1,
        7: ReminderKind.AFTER_7,
    }


def test_the_limitation_period_runs_two_years_from_the_last_due_date_and_restarts_on_a_part_payment():
    from xietong.repayment.rules import limitation_ends, limitation_warning

    last = dt.date(2026, 6, 20)
    assert limitation_ends(last_due=last) == dt.date(2028, 6, 20)
    assert limitation_ends(last_due=last, interruptions=[dt.date(2026, 3, 1)]) == dt.date(2028, 6, 20)
    assert limitation_ends(last_due=last, interruptions=[dt.date(2027, 1, 5)]) == dt.date(2029, 1, 5)
    assert limitation_ends(last_due=dt.date(2028, 2, 29)) == dt.date(2030, 2, 28)
    ends = dt.date(2028, 6, 20)
    assert limitation_warning(ends=ends, today=ends - dt.timedelta(days=91)) is None
    assert limitation_warning(ends=ends, today=ends - dt.timedelta(days=90)) == 90
    assert limitation_warning(ends=ends, today=ends - dt.timedelta(days=30)) == 30
    assert limitation_warning(ends=ends, today=ends - dt.timedelta(days=7)) == 7
    assert limitation_warning(ends=ends, today=ends) == 7
    assert limitation_warning(ends=ends, today=ends + dt.timedelta(days=1)) == 0
