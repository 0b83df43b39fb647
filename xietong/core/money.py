"""Money: Decimal yuan to the fen, never a float."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .errors import DomainError

FEN = Decimal("0.01")


def money_parse(value: Decimal | str | int, field: str | Promise) -> Decimal:
    """An amount of yuan with at most two decimals, not negative, below a trillion; else a DomainError naming `field`."""
    try:
        raw = Decimal(str(value).strip())
    except ArithmeticError:
        raise DomainError(_("%(field)s is not an amount of money.") % {"field": field}, code="amount") from None
    if not raw.is_finite():
        raise DomainError(_("%(field)s is not an amount of money.") % {"field": field}, code="amount")
    if raw != raw.quantize(FEN, rounding=ROUND_DOWN):
        raise DomainError(_("%(field)s has more than two decimals (fen).") % {"field": field}, code="amount_cents")
    amount = raw.quantize(FEN)
    if amount < 0:
        raise DomainError(_("%(field)s cannot be negative.") % {"field": field}, code="amount_negative")
    if amount >= Decimal("1e12"):
        raise DomainError(_("%(field)s is too large.") % {"field": field}, code="amount_too_large")
    return amount
