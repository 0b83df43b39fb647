from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema


class OfferOut(Schema):
    id: int
    case_id: int
    side: str
    side_label: str
    made_by: str
    total: Decimal
    instalments: int
    monthly: Decimal
    first_payment_on: dt.date
    waived: Decimal
    note: str
    status: str
    status_label: str
    parent_id: int | None
    created_at: dt.datetime
    answered_at: dt.datetime | None
    answered_by: str


class OfferCreateIn(Schema):
    """An offer. `side` is only for the case's mediator (institution clients always act for their side)."""

    side: Literal["debtor", "institution"] | None = None
    total: Decimal
    instalments: int
    first_payment_on: dt.date
    waived: Decimal = Decimal("0")
    note: str = ""


class CounterIn(Schema):
    total: Decimal
    instalments: int
    first_payment_on: dt.date
    waived: Decimal = Decimal("0")
    note: str = ""


class OfferAnswerIn(Schema):
    answer: Literal["accept", "reject", "counter"]
    counter: CounterIn | None = None


class ParticipantTimeOut(Schema):
    name: str
    role: str
    timezone: str
    local_time: dt.datetime


class SessionOut(Schema):
    id: int
    case_id: int
    starts_at: dt.datetime
    your_time: dt.datetime
    your_timezone: str
    duration_minutes: int
    mode: str
    meeting_link: str
    place: str
    status: str
    participants: list[ParticipantTimeOut]
