"""The rules of the follow-up, as pure functions (no database): allocation, states, default, reminders.

- `allocate`: a payment settles the oldest unpaid instalment first (by due date, then number); what is
  left of it is carried to the next one. Amounts are Decimal yuan to the fen; the parts sum to the
  payment exactly, and no instalment receives more than it still owes. A payment above the whole
  balance outstanding is refused (nothing is recorded): the creditor reports what it received against
  this plan, and a surplus is not a debt of the plan.
- `instalment_state`: settled when nothing is owed (waived when the creditor gave up all of it, paid
  otherwise); before the due date scheduled (part-paid when something is paid); on the due date due;
  up to `grace_days` after it late; after that missed. A suspended instalment keeps its state.
- `plan_defaults`: the plan is defaulted when `default_after_missed` instalments are missed.
- `reminder_due`: which reminder (three days before, on the day, one and seven days after) falls on
  the debtor's own date. It is sent that day, outside quiet hours (the job runs every hour, so one
  held back at 07:00 goes out at 08:00 local); a day missed altogether is not made up later.
- `quiet_hours`: 21:00–08:00 in the debtor's own time zone; no reminder then.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from xietong.core.errors import DomainError

from .choices import QUIET_FROM_HOUR, QUIET_UNTIL_HOUR, REMINDER_OFFSETS, InstalmentState, ReminderKind

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
KEPT_STATES = frozenset({InstalmentState.SUSPENDED})


@dataclass(frozen=True)
class Owed:
    """What one instalment still owes, for the allocation."""

    seq: int
    due_date: dt.date
    outstanding: Decimal


def allocate(owed: Sequence[Owed], amount: Decimal) -> list[tuple[int, Decimal]]:
    """Split `amount` over the instalments, oldest first: [(seq, part), ...], parts summing to `amount`."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount != amount.quantize(FEN):
        raise DomainError(_("The amount is not an amount of money to the fen."), code="amount")
    if amount <= 0:
        raise DomainError(_("A payment must be more than zero."), code="amount_not_positive")
    balance = sum((o.outstanding for o in owed), ZERO)
    if amount > balance:
        raise DomainError(
            _("%(amount)s yuan is more than the balance outstanding (%(balance)s yuan): nothing was recorded.")
            % {"amount": amount, "balance": balance},
            code="amount_above_balance",
        )
    parts: list[tuple[int, Decimal]] = []
    left = amount
    for o in sorted(owed, key=lambda o: (o.due_date, o.seq)):
        if left <= 0:
            break
        if o.outstanding <= 0:
            continue
        part = min(left, o.outstanding)
        parts.append((o.seq, part))
        left -= part
    return parts


def instalment_state(
    *,
    current: str,
    due_date: dt.date,
    amount: Decimal,
    paid: Decimal,
    today: dt.date,
    grace_days: int,
    waived: Decimal = ZERO,
) -> InstalmentState:
    if current in KEPT_STATES:
        return InstalmentState(current)
    if paid + waived >= amount:
        return InstalmentState.WAIVED if paid == 0 else InstalmentState.PAID
    if today < due_date:
        return InstalmentState.PART_PAID if paid > 0 else InstalmentState.SCHEDULED
    if today == due_date:
        return InstalmentState.DUE
    if (today - due_date).days <= grace_days:
        return InstalmentState.LATE
    return InstalmentState.MISSED


def plan_defaults(states: Sequence[str], default_after_missed: int) -> bool:
    return sum(1 for s in states if s == InstalmentState.MISSED) >= default_after_missed


def debtor_zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def quiet_hours(now: dt.datetime, tz_name: str | None) -> bool:
    """21:00 to 08:00 where the debtor is."""
    hour = now.astimezone(debtor_zone(tz_name)).hour
    return hour >= QUIET_FROM_HOUR or hour < QUIET_UNTIL_HOUR


def reminder_due(*, due_date: dt.date, local_today: dt.date) -> ReminderKind | None:
    """The reminder whose day it is where the debtor is (none before three days ahead or on a day
    between two reminders)."""
    for kind, offset in REMINDER_OFFSETS.items():
        if due_date + dt.timedelta(days=offset) == local_today:
            return kind
    return None


# The limitation period to apply for enforcement (Civil Procedure Law, art. 250): two years; for a
# plan of instalments it runs from the last instalment's due date; a part payment or an acknowledgement
# of the debt interrupts it, and it runs again, whole, from that day.
LIMITATION_YEARS = 2
LIMITATION_WARNINGS = (90, 30, 7)  # days before the end: warn, then warn louder


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def limitation_ends(*, last_due: dt.date, interruptions: Sequence[dt.date] = ()) -> dt.date:
    start = max([last_due, *interruptions])
    return add_years(start, LIMITATION_YEARS)


def limitation_warning(*, ends: dt.date, today: dt.date) -> int | None:
    """The smallest warning threshold (90, 30 or 7 days) reached, 0 once the period has run out, else None."""
    left = (ends - today).days
    if left < 0:
        return 0
    reached = [w for w in LIMITATION_WARNINGS if left <= w]
    return min(reached) if reached else None
