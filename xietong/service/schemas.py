from __future__ import annotations

import datetime as dt

from ninja import Schema


class AttemptOut(Schema):
    id: int
    method: str
    method_label: str
    at: dt.datetime
    outcome: str
    outcome_label: str
    tracking_number: str
    note: str


class RecordOut(Schema):
    id: int
    recipient_party_id: int
    recipient: str
    recipient_kind: str
    status: str
    status_label: str
    planned_method: str
    served_by: str | None
    served_at: dt.datetime | None
    opened_at: dt.datetime | None
    address_source: str
    no_confirmed_address: bool
    alternative_reason: str
    attempts: list[AttemptOut]


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    sha256: str
    size: int
    created_at: dt.datetime
    records: list[RecordOut]


class CaseServiceOut(Schema):
    case_id: int
    number: str | None
    documents: list[DocumentOut]
    hearing_notice_served: bool


class FailureRowOut(Schema):
    institution_id: int
    institution: str
    outcome: str
    outcome_label: str
    count: int


class FailureMonthOut(Schema):
    month: str
    institution_id: int
    institution: str
    count: int


class DefectRowOut(Schema):
    institution_id: int
    institution: str
    attempts: int
    failed: int
    address_defects: int
    defect_rate: int


class FailuresOut(Schema):
    since: dt.datetime | None
    by_reason: list[FailureRowOut]
    by_month: list[FailureMonthOut]
    address_defects: list[DefectRowOut]
