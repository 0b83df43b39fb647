"""API schemas of the group-risk warnings: counts, strata and method, never personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class WarningOut(Schema):
    id: int
    dimension: str
    dimension_label: str
    stratum: str
    detector: str
    detector_label: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    severity: int
    severity_label: str
    opened_on: dt.date
    reading_on: dt.date
    observed: int
    claimants: int
    baseline: float
    threshold: float
    why: str
    escalated_to: str | None
    snoozed_until: dt.date | None
    resolution: str | None


class WarningListOut(Schema):
    count: int
    items: list[WarningOut]


class SeriesPoint(Schema):
    day: dt.date
    cases: int
    claimants: int


class BreakdownCell(Schema):
    label: str
    count: int


class Breakdown(Schema):
    title: str
    cells: list[BreakdownCell]


class WarningDetailOut(WarningOut):
    params: dict[str, Any]
    series: list[SeriesPoint]
    breakdown: list[Breakdown]
