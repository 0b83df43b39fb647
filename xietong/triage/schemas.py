"""API schemas for triage results and decisions."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class TriageResultOut(Schema):
    """A case's current triage (`xietong.triage.selectors.triage_result_for`)."""

    category: str | None
    colour: str | None
    channel: str
    channel_label: str
    track: str
    track_label: str
    team: str | None
    rule: str | None
    reasons: list[str]
    overridden: bool
    decided_at: dt.datetime | None


class TriageDecisionOut(Schema):
    id: int
    kind: str
    kind_label: str
    rule: str | None
    category: str | None
    colour: str | None
    channel: str
    channel_label: str
    track: str
    track_label: str
    team: str | None
    reasons: list[str]
    override_reason: str
    by: str
    at: dt.datetime


class CaseTriageOut(Schema):
    case_id: int
    number: str | None
    current: TriageResultOut
    history: list[TriageDecisionOut]
