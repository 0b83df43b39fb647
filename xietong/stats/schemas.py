from __future__ import annotations

from ninja import Field, Schema


class DashboardQuery(Schema):
    period: str = Field("", description="month | quarter | year (default) | custom")
    at: str = Field("", description="the month (2026-10), quarter (2026-Q4) or year (2026); default: the current one")
    from_: str = Field("", alias="from", description="custom period: first month, YYYY-MM")
    to: str = Field("", description="custom period: last month, YYYY-MM")
    court: str = ""
    institution: str = ""
    product: str = ""
    category: str = ""
    colour: str = ""
    channel: str = ""
    track: str = ""
    door: str = ""
    batch: str = ""
    mediator: str = ""
    breakdown: str = Field("", description="a dimension: court, institution, product, category, colour, channel, …")


class FigureOut(Schema):
    code: str
    label: str
    value: int | str | None = Field(
        description="a count, a whole percent, days; amounts as strings (yuan, two decimals); null when not shown"
    )
    display: str = Field(description="as the page shows it: thousands separators, %, “<5” or “—” when not shown")
    numerator: int | None = None
    denominator: int | None = None
    suppressed: bool = False


class PeriodOut(Schema):
    kind: str
    label: str
    first_month: str
    last_month: str


class MonthOut(Schema):
    month: str
    figures: list[FigureOut]


class BreakdownRowOut(Schema):
    key: str
    label: str
    figures: list[FigureOut]


class BreakdownOut(Schema):
    dimension: str
    label: str
    rows: list[BreakdownRowOut]


class DashboardOut(Schema):
    audience: str
    period: PeriodOut
    filters: dict[str, int | str]
    figures: list[FigureOut]
    region: list[FigureOut] | None = None
    region_note: str = ""
    trend: list[MonthOut]
    breakdown: BreakdownOut | None = None
