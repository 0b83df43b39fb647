"""API schemas, one per use: list items, details, transition requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class PartyOut(Schema):
    id: int
    role: str
    role_label: str
    kind: str  # person | organisation
    name: str
    id_number_masked: str | None = None
    phone_masked: str | None = None
    acting_relative: str | None = None


class CaseNumberOut(Schema):
    kind: str
    kind_label: str
    text: str
    assigned_at: dt.datetime


class EventOut(Schema):
    at: dt.datetime
    kind: str
    from_state: str
    to_state: str
    by: str
    note: str


class TransitionOut(Schema):
    code: str
    label: str
    note_required: bool


class CaseListItem(Schema):
    id: int
    number: str | None
    state: str
    state_label: str
    product: str
    category: str | None
    colour: str | None
    channel: str
    track: str
    court: str
    institution: str | None
    applicants: list[str] = Field(
        description="The applicants (申请人; plaintiffs once filed for trial), persons and institutions: the "
        "institution for its own deliveries (batch, API), the citizen for a citizen's own filing"
    )
    respondents: list[str] = Field(
        description="The respondents (被申请人; defendants once filed for trial), persons and institutions: the "
        "citizen of an institution's delivery, the institution a citizen's filing is against"
    )
    total: Decimal
    submitted_at: dt.datetime
    age_days: int


class CaseListOut(Schema):
    items: list[CaseListItem]
    limit: int
    offset: int
    has_more: bool


class CaseDetail(CaseListItem):
    door: str
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    mediator: str | None
    judge: str | None
    team: str | None
    closed_at: dt.datetime | None
    parties: list[PartyOut]
    numbers: list[CaseNumberOut]
    events: list[EventOut]
    allowed_transitions: list[TransitionOut]


class TransitionIn(Schema):
    code: str = Field(..., description="A transition code, e.g. triage, confirm, withdraw", max_length=40)
    note: str = Field("", max_length=2000)


class OverviewOut(Schema):
    total: int
    amount: str = Field(description="yuan, two decimals")
    by_state: dict[str, int]
    by_channel: dict[str, int]
    by_colour: dict[str, int]
    by_institution: list[dict[str, object]]


# The status document (`status.py`): what a polling bank reads. Labels are given in every language of
# the platform (the body is the same for every caller, and is served as stored).
LABELS = "The label in each language of the platform, by language code (zh-hans, en)."


class StatusNumberOut(Schema):
    kind: str
    kind_label: dict[str, str] = Field(description=LABELS)
    text: str
    assigned_at: dt.datetime


class StatusStepOut(Schema):
    kind: str = Field(description="A transition code or another timeline event's kind")
    label: dict[str, str] = Field(description=LABELS)
    at: dt.datetime
    to_state: str | None = Field(description="The state it led to (transitions only)")


class StatusNextOut(Schema):
    kind: str = Field(description="What falls due or takes place, e.g. instalment_due, hearing, mediation_session")
    label: dict[str, str] = Field(description=LABELS)
    on: dt.date = Field(description="The day (in the court's time zone)")
    at: dt.datetime | None = Field(
        description="The moment, with its UTC offset, for what happens at a time (a hearing, a mediation session)"
    )


class CaseStatusOut(Schema):
    """A case's status for polling: built when the case changes, served with an ETag (send it back as
    If-None-Match: 304 when nothing changed). The sections other apps add (repayment) are null when
    they have nothing to say."""

    id: int
    number: str | None = Field(description="The current case number")
    numbers: list[StatusNumberOut] = Field(description="Every number the case was given, oldest first")
    state: str
    state_label: dict[str, str] = Field(description=LABELS)
    closed_at: dt.datetime | None
    channel: str
    track: str
    colour: str | None
    latest_step: StatusStepOut | None = Field(description="The newest entry of the case's timeline")
    next: StatusNextOut | None = Field(description="The nearest date a section names, if any")
    updated_at: dt.datetime = Field(description="The later of the case's last change and its newest event")
