from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema


class ReviewOut(Schema):
    id: int
    agreement_id: int
    judge: str
    voluntary: bool
    lawful: bool
    within_jurisdiction: bool
    parties_identified: bool
    decision: str
    reasons: str
    decided_at: dt.datetime


class RulingOut(Schema):
    id: int
    kind: str
    number: str
    judge: str
    issued_at: dt.datetime
    sha256: str
    download_url: str


class FilingRequestOut(Schema):
    plaintiff: str
    channel: str
    requested_by: str
    at: dt.datetime
    note: str


class HearingOut(Schema):
    id: int
    starts_at: dt.datetime
    place: str
    online_link: str
    judge: str
    status: str


class ScheduleLineOut(Schema):
    due_date: dt.date
    amount: Decimal


class OutcomeOut(Schema):
    kind: str
    summary: str
    amount_awarded: Decimal | None
    schedule: list[ScheduleLineOut]
    decided_at: dt.datetime


class JudicialRecordOut(Schema):
    case_id: int
    number: str | None
    state: str
    reviews: list[ReviewOut]
    rulings: list[RulingOut]
    filing_request: FilingRequestOut | None
    hearings: list[HearingOut]
    hearing_notice_served: bool | None
    outcome: OutcomeOut | None


class FilingRequestIn(Schema):
    note: str = ""
