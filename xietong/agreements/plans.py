"""Instalment plans: pure functions, no database.

`plan_instalments` splits a total into equal monthly amounts rounded DOWN to the fen; the remainder
(less than one fen per instalment) goes on the LAST instalment, so the plan sums to the total
exactly and no instalment is smaller than the ones before it. Dates are monthly: the first on
`first_due`, the next ones on `day_of_month` (default: the first date's day) of each following
month, clamped to the month's last day (31 → 30 April, 28/29 February).

`plan_check` refuses a hand-edited plan unless it is exact: amounts positive with at most two
decimals that add up to the agreed total, dates strictly increasing, the first not in the past.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from xietong.core.errors import DomainError

FEN = Decimal("0.01")
MAX_MONTHS = 120

Plan = list[tuple[dt.date, Decimal]]


def add_months(start: dt.date, months: int, day: int) -> dt.date:
    """The `day` of the month `months` after `start`'s month, clamped to that month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def plan_instalments(total: Decimal, months: int, first_due: dt.date, *, day_of_month: int | None = None) -> Plan:
    """Equal monthly amounts rounded down to the fen, the remainder on the last; sums to `total` exactly."""
    if not isinstance(total, Decimal) or not total.is_finite():
        raise DomainError(_("The total is not an amount of money."), code="plan_total")
    if total != total.quantize(FEN, rounding=ROUND_DOWN):
        raise DomainError(_("The total has more than two decimals (fen)."), code="plan_total")
    if total <= 0:
        raise DomainError(_("The total to repay must be more than zero."), code="plan_total")
    if not 1 <= months <= MAX_MONTHS:
        raise DomainError(
            _("A plan has between 1 and %(max)d monthly instalments.") % {"max": MAX_MONTHS}, code="plan_months"
        )
    day = day_of_month or first_due.day
    if not 1 <= day <= 31:
        raise DomainError(_("The day of the month must be between 1 and 31."), code="plan_day")
    base = (total / months).quantize(FEN, rounding=ROUND_DOWN)
    if base <= 0:
        raise DomainError(
            _("%(total)s yuan cannot be split into %(months)d instalments of at least one fen.")
            % {"total": total, "months": months},
            code="plan_too_small",
        )
    last = total - base * (months - 1)
    dates = [first_due] + [add_months(first_due, i, day) for i in range(1, months)]
    amounts = [base] * (months - 1) + [last]
    return list(zip(dates, amounts, strict=True))


def parse_plan_text(text: str) -> Plan:
    """Lines of `YYYY-MM-DD amount` (a comma, tab or spaces between), as typed in the form."""
    plan: Plan = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.replace(",", " ").replace("，", " ").replace("\t", " ").strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            raise DomainError(
                _("Line %(n)d: write a date and an amount, e.g. 2026-01-20 1500.00.") % {"n": n}, code="plan_line"
            )
        try:
            due = dt.date.fromisoformat(parts[0])
        except ValueError:
            raise DomainError(
                _("Line %(n)d: %(value)s is not a date.") % {"n": n, "value": parts[0]}, code="plan_date"
            ) from None
        try:
            amount = Decimal(parts[1])
        except InvalidOperation:
            raise DomainError(
                _("Line %(n)d: %(value)s is not an amount.") % {"n": n, "value": parts[1]}, code="plan_amount"
            ) from None
        plan.append((due, amount))
    return plan


def plan_check(plan: Sequence[tuple[dt.date, Decimal]], total: Decimal, *, today: dt.date) -> Plan:
    """Return the plan with amounts in fen, or refuse it with a message saying what is wrong."""
    if not plan:
        raise DomainError(_("The plan has no instalments."), code="plan_empty")
    if len(plan) > MAX_MONTHS:
        raise DomainError(_("A plan has at most %(max)d instalments.") % {"max": MAX_MONTHS}, code="plan_months")
    checked: Plan = []
    previous: dt.date | None = None
    for n, (due, amount) in enumerate(plan, start=1):
        if not isinstance(amount, Decimal) or not amount.is_finite():
            raise DomainError(_("Instalment %(n)d: not an amount of money.") % {"n": n}, code="plan_amount")
        if amount <= 0:
            raise DomainError(_("Instalment %(n)d: the amount must be more than zero.") % {"n": n}, code="plan_amount")
        if amount != amount.quantize(FEN, rounding=ROUND_DOWN):
            raise DomainError(
                _("Instalment %(n)d: %(amount)s has more than two decimals (fen).") % {"n": n, "amount": amount},
                code="plan_cents",
            )
        if previous is None and due < today:
            raise DomainError(
                _("The first instalment (%(date)s) is in the past.") % {"date": due.isoformat()}, code="plan_past"
            )
        if previous is not None and due <= previous:
            raise DomainError(
                _("Instalment %(n)d: its date %(date)s must come after the previous one (%(prev)s).")
                % {"n": n, "date": due.isoformat(), "prev": previous.isoformat()},
                code="plan_order",
            )
        previous = due
        checked.append((due, amount.quantize(FEN)))
    paid = sum((a for _d, a in checked), Decimal("0.00"))
    if paid != total:
        raise DomainError(
            _("The instalments add up to %(sum)s yuan, not the agreed %(total)s yuan (difference %(diff)s).")
            % {"sum": paid, "total": total, "diff": paid - total},
            code="plan_sum",
        )
    return checked
