"""API schemas for batches, one family per operation: submit (JSON rows or a file), read, import, results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict


class BatchRowsIn(Schema):
    """A batch as JSON: one object per row, keyed by the template's field keys (see the field list)."""

    model_config = ConfigDict(populate_by_name=True)

    rows: list[dict[str, Any]] = Field(
        ...,
        description=(
            "Up to 100,000 rows. Keys: name, id_number, phone, contract_number, product, principal, interest, "
            "penalty, overdue_since, overdue_days, address, service_address, service_phone, service_email, "
            "consent_e_service. Values are checked exactly like the cells of an uploaded file "
            '(amounts as "1,234.50" or numbers, dates as "2026-03-01" or Excel serial numbers). '
            "rows[0] is row 2 of the equivalent file (row 1 is the header)."
        ),
    )
    import_: bool = Field(
        False, alias="import", description="Start importing the valid rows at once (a background task)."
    )
    file_name: str | None = Field(None, max_length=200, description="A name to show for the batch")
    institution_id: int | None = Field(None, description="The center admin only: which institution")
    category: str | None = Field(None, max_length=40, description="The code of the category of every case")


class CountsOut(Schema):
    rows: int
    valid: int
    errors: int = Field(..., description="Rows refused for errors (duplicates are counted apart)")
    duplicates: int


class ProgressOut(Schema):
    done: int
    total: int
    percent: int


class BatchOut(Schema):
    id: int
    institution_id: int
    institution: str
    status: str = Field(..., description="uploaded, checked, queued, importing, imported or failed")
    status_label: str
    file_name: str
    source_format: str
    counts: CountsOut
    progress: ProgressOut
    uploaded_by: str
    created_at: dt.datetime
    import_requested_at: dt.datetime | None = None
    import_started_at: dt.datetime | None = None
    import_finished_at: dt.datetime | None = None
    failure: str = ""
    values: dict[str, str] = Field(
        default_factory=dict, description="Values set for every row, for fields the file has no column for (product)"
    )
    category: str | None = Field(None, description="The code of the category set for every case")
    header_row: int = Field(1, description="The file's header row (rows above it: a title, notes, set aside)")
    blank_rows: int = Field(0, description="Blank rows ignored")
    total_rows: int = Field(0, description="Total rows (合计) below the data, set aside")
    next_step: str = ""


class RowErrorOut(Schema):
    row: int = Field(..., description="Row number in the file (the header is row 1)")
    index: int = Field(..., description="Position among the data rows, from 0 (rows[index] of a JSON batch)")
    field: str
    column: str
    code: str
    message: str


class ImportProblemOut(Schema):
    code: str
    message: str


class BatchSubmittedOut(BatchOut):
    created: bool = Field(..., description="False: an earlier request (same Idempotency-Key or same rows) is answered")
    import_started: bool = Field(..., description="True when the import of the valid rows is queued or done")
    import_problem: ImportProblemOut | None = Field(None, description="Why the requested import did not start")
    row_errors: list[RowErrorOut] = Field(..., description="The first 1,000 row errors; all at /{id}/errors")
    row_errors_truncated: bool


class BatchListOut(Schema):
    items: list[BatchOut]
    limit: int
    offset: int
    has_more: bool


class RowErrorsOut(Schema):
    items: list[RowErrorOut]
    limit: int
    offset: int
    has_more: bool


class BatchCaseOut(Schema):
    row: int
    contract_number: str
    case_id: int
    case_number: str | None
    state: str
    state_label: str
    channel: str
    track: str
    category: str | None
    total: Decimal
    submitted_at: dt.datetime
    closed_at: dt.datetime | None


class BatchCasesOut(Schema):
    items: list[BatchCaseOut]
    limit: int
    offset: int
    has_more: bool


class StateCountOut(Schema):
    state: str
    label: str
    count: int


class BatchOutcomeOut(Schema):
    """How a batch's cases ended (its own name: the judiciary's OutcomeOut is a trial's outcome)."""

    fulfilled: int
    closed_after_trial: int
    closed_otherwise: int
    withdrawn: int
    rejected: int
    open: int


class FollowupOut(Schema):
    batch_id: int
    delivered: int
    in_mediation: int = Field(..., description="Cases that reached mediation")
    agreements: int = Field(..., description="Cases that reached a signed agreement")
    confirmed: int = Field(..., description="Cases that were judicially confirmed")
    filed: int = Field(..., description="Cases filed for trial")
    closed: int = Field(..., description="Cases fulfilled, closed, withdrawn or rejected")
    closure_rate: int = Field(..., description="closed / delivered, in whole percent")
    closed_in_month: int = Field(
        ..., description="Closed before the end of the calendar month (China time) the batch was delivered in"
    )
    delivered_at: dt.datetime | None
    month_end: dt.datetime | None = Field(None, description="The end (exclusive) of the month of delivery")
    median_days_to_close: float | None
    outcome: BatchOutcomeOut
    states: list[StateCountOut]
