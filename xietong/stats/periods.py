"""Periods of the figures: whole months (a month, a quarter, a year, or a run of months)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from xietong.core.errors import DomainError

MAX_MONTHS = 120  # a custom period of at most ten years


class StatsError(DomainError):
    """A request for figures that cannot be answered as asked (the message says why)."""


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> int:
    """Months from start to end inclusive."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year | custom
    start: dt.date  # first month (its first day)
    end: dt.date  # last month (its first day)

    @property
    def months(self) -> list[dt.date]:
        return [add_months(self.start, i) for i in range(months_between(self.start, self.end))]

    @property
    def last_day(self) -> dt.date:
        return add_months(self.end, 1) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return f"{self.start.year}"
        return f"{self.start:%Y-%m} – {self.end:%Y-%m}"

    @property
    def value(self) -> str:
        """The `at` parameter that names this period (custom periods use `from` and `to`)."""
        return "" if self.kind == "custom" else self.label

    def params(self) -> dict[str, str]:
        if self.kind == "custom":
            return {"period": "custom", "from": f"{self.start:%Y-%m}", "to": f"{self.end:%Y-%m}"}
        return {"period": self.kind, "at": self.label}


MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
QUARTER_RE = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
YEAR_RE = re.compile(r"^(\d{4})$")
KINDS = ("month", "quarter", "year", "custom")


def _month(text: str, what: str) -> dt.date:
    m = MONTH_RE.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise StatsError(
            _("%(what)s must be a month written as YYYY-MM (for example 2026-10), not “%(value)s”.")
            % {"what": what, "value": text[:20]},
            code="bad_period",
        )
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def period_parse(*, kind: str, at: str = "", start: str = "", end: str = "", today: dt.date) -> Period:
    """The period named by the request; the current year when nothing is said. Raises StatsError."""
    kind = (kind or "year").strip()
    this_month = today.replace(day=1)
    if kind not in KINDS:
        raise StatsError(
            _("Unknown period “%(value)s”: choose month, quarter, year or custom.") % {"value": kind[:20]},
            code="bad_period",
        )
    if kind == "custom":
        if not start or not end:
            raise StatsError(_("A custom period needs its first and its last month."), code="bad_period")
        first, last = _month(start, _("The first month")), _month(end, _("The last month"))
        if last < first:
            raise StatsError(
                _("The period ends (%(end)s) before it starts (%(start)s).")
                % {"start": f"{first:%Y-%m}", "end": f"{last:%Y-%m}"},
                code="period_reversed",
            )
        if months_between(first, last) > MAX_MONTHS:
            raise StatsError(_("A custom period covers at most ten years."), code="bad_period")
        return Period("custom", first, last)
    at = (at or "").strip()
    if kind == "month":
        first = _month(at, _("The month")) if at else this_month
        return Period("month", first, first)
    if kind == "quarter":
        if at:
            m = QUARTER_RE.match(at)
            if not m:
                raise StatsError(
                    _("A quarter is written as YYYY-Qn (for example 2026-Q4), not “%(value)s”.") % {"value": at[:20]},
                    code="bad_period",
                )
            year, q = int(m.group(1)), int(m.group(2))
        else:
            year, q = today.year, (today.month - 1) // 3 + 1
        first = dt.date(year, 3 * q - 2, 1)
        return Period("quarter", first, add_months(first, 2))
    if at:
        m = YEAR_RE.match(at)
        if not m or not 2000 <= int(m.group(1)) <= 2100:
            raise StatsError(
                _("A year is written as YYYY (for example 2026), not “%(value)s”.") % {"value": at[:20]},
                code="bad_period",
            )
        year = int(m.group(1))
    else:
        year = today.year
    return Period("year", dt.date(year, 1, 1), dt.date(year, 12, 1))
