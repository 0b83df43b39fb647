from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Schema


class EndpointIn(Schema):
    url: str
    organisation_id: int | None = None  # the center only: which institution


class EndpointToggleIn(Schema):
    active: bool  # true: switch on (the URL is checked again); false: off, no event is delivered to it


class EndpointOut(Schema):
    id: int
    url: str
    organisation_id: int
    is_active: bool
    secret_masked: str
    created_at: dt.datetime


class EndpointCreatedOut(EndpointOut):
    secret: str  # returned once, at creation


class DeliveryOut(Schema):
    id: int
    event_id: uuid.UUID
    event_type: str
    status: str
    attempts: int
    replays: int
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    payload: Any
