"""/api/v1/batches: an institution's systems submit batches (JSON rows or a file) and follow them.

Every submission carries an `Idempotency-Key` header (xietong.webhooks.idempotency): a retried
request returns the first one's batch and creates nothing; the same key with another body is
refused (409 `idempotency_key_reused`). JSON rows are written, in memory, as the CSV file the
template describes and go through `batch_upload`: the same checks and the same messages as a file
uploaded in the browser. An API client only ever sees its own institution's batches; another
bank's batch is 404.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, QueryDict
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticValidationError

from xietong.accounts.models import Organisation
from xietong.accounts.permissions import may
from xietong.cases.choices import CaseState
from xietong.core.api import ERRORS, OFFSET_MAX, ErrorOut
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.core.middleware import body_has_nul, nul_message
from xietong.core.spreadsheets import csv_row
from xietong.webhooks.idempotency import (
    idempotency_find,
    idempotency_key_clean,
    idempotency_remember,
    request_hash,
)

from .checking import error_text
from .choices import BatchStatus
from .columns import FIELDS
from .followup import batch_case_rows, batch_followup
from .models import Batch, BatchRow
from .permissions import may_act_for, may_use_batches
from .reader import max_rows, max_upload_bytes
from .schemas import (
    BatchCasesOut,
    BatchListOut,
    BatchOut,
    BatchRowsIn,
    BatchSubmittedOut,
    FollowupOut,
    RowErrorsOut,
)
from .selectors import batch_get, batch_list, category_by_code
from .services import batch_import_start, batch_upload

router = Router(tags=["batches"])

ROW_ERRORS_IN_RESPONSE = 1000
FIELD_KEYS = [f.key for f in FIELDS]
SUBMIT_ERRORS: dict[int | frozenset[int], type[Schema]] = {frozenset({400, 401, 403, 404, 409, 413, 422}): ErrorOut}
IDEMPOTENCY_DOC = (
    "Send an `Idempotency-Key` header (a unique value per request, e.g. a UUID; at most 80 characters): "
    "a retried request with the same key and the same body returns the same batch (200, `created: false`) "
    "and creates nothing; the same key with a different body is refused (409 `idempotency_key_reused`); "
    "without the header the request is refused (400 `idempotency_key_missing`)."
)


KEY_DOC = "Required. A unique value per request (e.g. a UUID), the same when the request is retried."


class NulCharacter(DomainError):
    status = 400
    code = "nul_character"


class TooLarge(DomainError):
    status = 413
    code = "too_large"


def max_json_bytes() -> int:
    """A JSON batch's body limit: 100,000 rows of the template take about 40 MB of JSON."""
    return int(getattr(settings, "BATCH_API_MAX_JSON_BYTES", 64 * 1024 * 1024))


# Who, and which batch -------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    if not may_use_batches(actor):
        raise NotAllowed(_("Batches are submitted by institutions and the center."), code="batch_forbidden")
    return actor


def _batch(request: HttpRequest, pk: int) -> tuple[Any, Batch]:
    actor = _actor(request)
    return actor, batch_get(actor=actor, pk=pk)


def _institution(actor: Any, institution_id: int | None) -> Organisation:
    """The caller's own institution (an API client, an institution's operator); the center admin names one."""
    if may(actor, "batches.any_institution") and getattr(actor, "actor_kind", "") == "user":
        institution = Organisation.objects.filter(pk=institution_id).first() if institution_id is not None else None
        if institution_id is None:
            raise DomainError(_("Name the institution the batch is for (institution_id)."), code="batch_institution")
        if institution is None or not may_act_for(actor, institution):
            raise NotFound(_("No such institution."))
        return institution
    organisation = getattr(actor, "organisation", None)
    if organisation is None or (institution_id is not None and institution_id != organisation.pk):
        raise DomainError(_("A batch is submitted for your own institution only."), code="batch_institution")
    return organisation


# Answers ---------------------------------------------------------------------------------------------


def _uploader(batch: Batch) -> str:
    if batch.api_client_id:
        return f"api:{batch.api_client}"
    return str(batch.uploaded_by or "")


NEXT_STEP = {
    BatchStatus.UPLOADED: "map_columns_in_browser",
    BatchStatus.CHECKED: "import",
    BatchStatus.QUEUED: "wait",
    BatchStatus.IMPORTING: "wait",
    BatchStatus.IMPORTED: "follow_cases",
    BatchStatus.FAILED: "retry_import",
}


def batch_out(batch: Batch) -> dict[str, Any]:
    total = batch.total or 0
    return {
        "id": batch.pk,
        "institution_id": batch.institution_id,
        "institution": batch.institution.display_name,
        "status": batch.status,
        "status_label": str(BatchStatus(batch.status).label),
        "file_name": batch.original_name,
        "source_format": batch.source_format,
        "counts": {
            "rows": batch.row_count,
            "valid": batch.valid_count,
            "errors": batch.error_count,
            "duplicates": batch.duplicate_count,
        },
        "progress": {"done": batch.done, "total": total, "percent": int(batch.done * 100 / total) if total else 0},
        "uploaded_by": _uploader(batch),
        "created_at": batch.created_at,
        "import_requested_at": getattr(batch, "import_requested_at", None),
        "import_started_at": getattr(batch, "import_started_at", None),
        "import_finished_at": getattr(batch, "import_finished_at", None),
        "failure": batch.failure,
        "values": dict(batch.values),
        "category": batch.category.code if batch.category else None,
        "header_row": batch.header_row,
        "blank_rows": batch.blank_rows,
        "total_rows": batch.total_rows,
        "next_step": NEXT_STEP.get(BatchStatus(batch.status), "") if batch.valid_count else "fix_and_submit_again",
    }


def _row_errors(rows: Any) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        for error in row.errors:
            out.append(
                {
                    "row": row.number,
                    "index": row.number - 2,
                    "field": error.get("field", ""),
                    "column": error.get("column", ""),
                    "code": error.get("code", ""),
                    "message": error_text(error),
                }
            )
    return out


def _problem_rows(batch: Batch) -> Any:
    return BatchRow.objects.filter(batch=batch, is_valid=False).only("number", "errors").order_by("number")


def _submitted(batch: Batch, *, created: bool, problem: DomainError | None = None) -> dict[str, Any]:
    errors = _row_errors(_problem_rows(batch)[: ROW_ERRORS_IN_RESPONSE + 1])
    return {
        **batch_out(batch),
        "created": created,
        "import_started": batch.status in (BatchStatus.QUEUED, BatchStatus.IMPORTING, BatchStatus.IMPORTED),
        "import_problem": {"code": problem.code, "message": str(problem.message)} if problem else None,
        "row_errors": errors[:ROW_ERRORS_IN_RESPONSE],
        "row_errors_truncated": len(errors) > ROW_ERRORS_IN_RESPONSE,
    }


# Submitting ------------------------------------------------------------------------------------------


def _submit(
    *,
    actor: Any,
    key: str,
    operation: str,
    digest: str,
    institution: Organisation,
    name: str,
    data: bytes,
    start_import: bool,
    values: dict[str, str] | None = None,
    category: str = "",
) -> tuple[int, dict[str, Any]]:
    earlier = idempotency_find(actor=actor, key=key, operation=operation, request_hash=digest)
    if earlier is not None and earlier.object_id is not None:
        return 200, _submitted(batch_get(actor=actor, pk=earlier.object_id), created=False)
    chosen = category_by_code(category)
    if category.strip() and chosen is None:
        raise DomainError(
            _("No active category has the code “%(code)s”.") % {"code": category[:40]}, code="batch_category"
        )
    result = batch_upload(
        actor=actor, institution=institution, file=SimpleUploadedFile(name, data), values=values, category=chosen
    )
    batch = result.batch
    problem: DomainError | None = None
    if start_import and batch.status in (BatchStatus.CHECKED, BatchStatus.FAILED) and batch.valid_count:
        try:
            batch = batch_import_start(batch=batch, actor=actor)
        except DomainError as e:  # a twin request started it a moment ago, or nothing left to import
            problem = e
            batch.refresh_from_db()
    idempotency_remember(actor=actor, key=key, operation=operation, request_hash=digest, obj=batch)
    batch.refresh_from_db()
    if problem is not None and batch.status in (BatchStatus.QUEUED, BatchStatus.IMPORTING, BatchStatus.IMPORTED):
        problem = None
    return (201 if result.created else 200), _submitted(batch, created=result.created, problem=problem)


def _cell(key: str, value: Any, index: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str | int | Decimal | float):
        return str(value)
    raise NinjaValidationError(
        [
            {
                "loc": ["body", "rows", index, key],
                "msg": _("A cell holds text or a number, not a list or an object."),
                "type": "cell_type",
            }
        ]
    )


def rows_csv(rows: list[dict[str, Any]]) -> bytes:
    """The rows as the template's CSV (UTF-8): the same bytes for the same rows, whatever their key order.

    Written like every spreadsheet of the platform (`csv_row`); the reader takes the apostrophes off
    again, so the rows are checked for what they hold (a formula-like name refused, as in a file).
    """
    unknown = sorted({k for row in rows for k in row} - set(FIELD_KEYS))
    if unknown:
        raise NinjaValidationError(
            [
                {
                    "loc": ["body", "rows"],
                    "msg": _("Unknown fields: %(fields)s. The fields are: %(known)s.")
                    % {"fields": ", ".join(unknown[:10]), "known": ", ".join(FIELD_KEYS)},
                    "type": "unknown_field",
                }
            ]
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_row(f.header for f in FIELDS))
    for i, row in enumerate(rows):
        writer.writerow(csv_row(_cell(k, row.get(k), i) for k in FIELD_KEYS))
    return out.getvalue().encode("utf-8")


def _json_body(request: HttpRequest) -> bytes:
    """The body, read here with the batch limit (larger than the site's DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    limit = max_json_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    refusal = TooLarge(
        _("The request is larger than %(max)s. Send at most 100,000 rows per request, or upload a file.")
        % {"max": filesizeformat(limit)}
    )
    if length > limit:
        raise refusal
    data = request._body if hasattr(request, "_body") else request.read(limit + 1)
    if len(data) > limit:
        raise refusal
    if body_has_nul("application/json", data):
        raise NulCharacter(nul_message())
    return data


@router.post(
    "",
    response={200: BatchSubmittedOut, 201: BatchSubmittedOut, **SUBMIT_ERRORS},
    summary="Submit a batch as JSON rows",
    description=(
        "The rows are checked exactly like the rows of an uploaded file (same checks, same messages); the batch is "
        "stored as checked, with every row error in the answer (the first 1,000; all at `/{id}/errors`). With "
        '`"import": true` the import of the valid rows starts at once (a background task): follow it at `/{id}`. '
        "201: a new batch; 200: an earlier one (a retry, or the same rows already submitted). " + IDEMPOTENCY_DOC
    ),
    operation_id="batches_create",
    url_name="batches_create",
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": BatchRowsIn.model_json_schema()}}}
    },
)
def batches_create(
    request: HttpRequest, idempotency_key: str = Header("", alias="Idempotency-Key", description=KEY_DOC)
) -> tuple[int, dict[str, Any]]:
    actor = _actor(request)
    key = idempotency_key_clean(idempotency_key)
    raw = _json_body(request)
    try:
        parsed = json.loads(raw or b"null", parse_float=Decimal)
    except ValueError:
        raise DomainError(_("The body is not valid JSON."), code="bad_json") from None
    try:
        body = BatchRowsIn.model_validate(parsed)
    except PydanticValidationError as e:
        raise NinjaValidationError(
            [{"loc": ["body", *e_["loc"]], "msg": e_["msg"], "type": e_["type"]} for e_ in e.errors()]
        ) from None
    if len(body.rows) > max_rows():
        raise TooLarge(
            _("A batch may have at most %(n)s rows; this one has %(rows)s. Split it.")
            % {"n": f"{max_rows():,}", "rows": f"{len(body.rows):,}"},
            code="too_many_rows",
        )
    if not body.rows:
        raise DomainError(_("The batch has no rows."), code="no_rows")
    data = rows_csv(body.rows)
    if len(data) > max_upload_bytes():
        raise TooLarge(
            _("These rows make a file of %(size)s; a batch may be at most %(max)s. Split it.")
            % {"size": filesizeformat(len(data)), "max": filesizeformat(max_upload_bytes())}
        )
    institution = _institution(actor, body.institution_id)
    name = (body.file_name or "").strip() or f"api-{key[:40]}.csv"
    if not name.lower().endswith(".csv"):
        name += ".csv"
    category = body.category or ""
    digest = request_hash("json", str(institution.pk), name, "1" if body.import_ else "0", category, data)
    return _submit(
        actor=actor,
        key=key,
        operation="batches_create",
        digest=digest,
        institution=institution,
        name=name,
        data=data,
        start_import=body.import_,
        category=category,
    )


class _SizeLimit(FileUploadHandler):
    """Refuses a multipart body larger than the limit from its Content-Length, before reading it."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large: int | None = None

    def handle_raw_input(
        self, input_data: Any, META: dict[str, Any], content_length: int, boundary: str, encoding: str | None = None
    ) -> tuple[QueryDict, MultiValueDict[str, Any]] | None:
        if content_length > self.limit + 64 * 1024:
            self.too_large = content_length
            return QueryDict(), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@router.post(
    "/file",
    response={200: BatchSubmittedOut, 201: BatchSubmittedOut, **SUBMIT_ERRORS},
    summary="Submit a batch as a file (CSV or XLSX)",
    description=(
        "multipart/form-data with `file` (CSV in UTF-8 or GB18030, or XLSX; at most 50 MB and 100,000 rows), "
        "optionally `import` (true/false) and, for the center admin, `institution_id`. The same checks as the "
        "browser upload. A file without a product column takes `product` for every row (or the product saved "
        "with its columns' mapping). A file whose columns are not the template's and that no saved mapping fits "
        "is kept as `uploaded`: map its columns once in the browser. " + IDEMPOTENCY_DOC
    ),
    operation_id="batches_create_file",
    url_name="batches_create_file",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "import": {"type": "boolean", "default": False},
                            "institution_id": {"type": "integer"},
                            "product": {
                                "type": "string",
                                "maxLength": 40,
                                "description": (
                                    "The product of every row, for a file without a product column: a code "
                                    "(credit_card, consumer_loan, ...) or its Chinese name (信用卡)."
                                ),
                            },
                            "category": {
                                "type": "string",
                                "maxLength": 40,
                                "description": "The code of the category of every case (optional).",
                            },
                        },
                    }
                }
            },
        }
    },
)
def batches_create_file(
    request: HttpRequest, idempotency_key: str = Header("", alias="Idempotency-Key", description=KEY_DOC)
) -> tuple[int, dict[str, Any]]:
    actor = _actor(request)
    key = idempotency_key_clean(idempotency_key)
    handler = _SizeLimit(request, max_upload_bytes())
    if not hasattr(request, "_files"):
        request.upload_handlers = [handler, *request.upload_handlers]
    files = request.FILES
    if handler.too_large is not None:
        raise TooLarge(
            _("The file is %(size)s; a batch file may be at most %(max)s. Split it into several files.")
            % {"size": filesizeformat(handler.too_large), "max": filesizeformat(max_upload_bytes())}
        )
    upload = files.get("file")
    if upload is None:
        raise DomainError(_("Send the file in the multipart field “file”."), code="no_file")
    if upload.size is not None and upload.size > max_upload_bytes():
        raise TooLarge(
            _("The file is %(size)s; a batch file may be at most %(max)s. Split it into several files.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_upload_bytes())}
        )
    start_import = str(request.POST.get("import", "")).strip().lower() in ("1", "true", "yes", "on")
    raw_institution = str(request.POST.get("institution_id", "")).strip()
    if raw_institution and not raw_institution.isdigit():
        raise DomainError(_("institution_id must be a number."), code="batch_institution")
    institution = _institution(actor, int(raw_institution) if raw_institution else None)
    product = str(request.POST.get("product", "")).strip()[:40]
    category = str(request.POST.get("category", "")).strip()[:40]
    data = upload.read()
    name = str(upload.name or "batch")[-200:]
    digest = request_hash("file", str(institution.pk), name, "1" if start_import else "0", product, category, data)
    return _submit(
        actor=actor,
        key=key,
        operation="batches_create_file",
        digest=digest,
        institution=institution,
        name=name,
        data=data,
        start_import=start_import,
        values={"product": product} if product else None,
        category=category,
    )


# Reading and importing -------------------------------------------------------------------------------


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=1000, description="At most 200 batches or 1,000 rows per page")
    offset: int = Field(0, ge=0, le=OFFSET_MAX)


def _page(query: PageQuery, most: int) -> tuple[int, int]:
    return max(1, min(query.limit, most)), max(0, query.offset)


@router.get(
    "",
    response={200: BatchListOut, **ERRORS},
    summary="Your institution's batches, newest first",
    operation_id="batches_list",
    url_name="batches_list",
)
def batches_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    actor = _actor(request)
    limit, offset = _page(query, 200)
    rows = list(batch_list(actor=actor).select_related("api_client")[offset : offset + limit + 1])
    return {
        "items": [batch_out(b) for b in rows[:limit]],
        "limit": limit,
        "offset": offset,
        "has_more": len(rows) > limit,
    }


@router.get(
    "/{pk}",
    response={200: BatchOut, **ERRORS},
    summary="A batch: status, import progress, counts, times",
    operation_id="batches_detail",
    url_name="batches_detail",
)
def batches_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    _who, batch = _batch(request, pk)
    return batch_out(batch)


@router.post(
    "/{pk}/import",
    response={200: BatchOut, 202: BatchOut, **ERRORS},
    summary="Import the valid rows of a checked batch (a background task)",
    description=(
        "202: the import is queued; follow `/{id}` (progress, status `imported` or `failed`). A failed import "
        "stored nothing and may be started again. A batch already being imported is 409 `batch_importing`. "
        + IDEMPOTENCY_DOC.replace("the same batch (200, `created: false`)", "the batch as it is now (200)")
    ),
    operation_id="batches_import",
    url_name="batches_import",
)
def batches_import(
    request: HttpRequest, pk: int, idempotency_key: str = Header("", alias="Idempotency-Key", description=KEY_DOC)
) -> tuple[int, dict[str, Any]]:
    actor, batch = _batch(request, pk)
    key = idempotency_key_clean(idempotency_key)
    digest = request_hash("import", str(batch.pk))
    earlier = idempotency_find(actor=actor, key=key, operation="batches_import", request_hash=digest)
    if earlier is not None:
        batch.refresh_from_db()
        return 200, batch_out(batch)
    batch = batch_import_start(batch=batch, actor=actor)
    idempotency_remember(actor=actor, key=key, operation="batches_import", request_hash=digest, obj=batch)
    batch.refresh_from_db()
    return 202, batch_out(batch)


@router.get(
    "/{pk}/errors",
    response={200: RowErrorsOut, **ERRORS},
    summary="Every row error of a batch, in row order",
    operation_id="batches_errors",
    url_name="batches_errors",
)
def batches_errors(request: HttpRequest, pk: int, query: Query[PageQuery]) -> dict[str, Any]:
    _who, batch = _batch(request, pk)
    limit, offset = _page(query, 1000)
    rows = list(_problem_rows(batch)[offset : offset + limit + 1])
    return {"items": _row_errors(rows[:limit]), "limit": limit, "offset": offset, "has_more": len(rows) > limit}


@router.get(
    "/{pk}/cases",
    response={200: BatchCasesOut, **ERRORS},
    summary="The cases opened from a batch: row, contract, case number, state, triage",
    description="Paginated with `limit` (at most 1,000) and `offset`, in row order.",
    operation_id="batches_cases",
    url_name="batches_cases",
)
def batches_cases(request: HttpRequest, pk: int, query: Query[PageQuery]) -> dict[str, Any]:
    actor, batch = _batch(request, pk)
    limit, offset = _page(query, 1000)
    rows = list(batch_case_rows(actor=actor, batch=batch)[offset : offset + limit + 1])
    items = []
    for row in rows[:limit]:
        case = row.case
        assert case is not None
        items.append(
            {
                "row": row.number,
                "contract_number": row.contract_number,
                "case_id": case.pk,
                "case_number": case.number,
                "state": case.state,
                "state_label": str(CaseState(case.state).label),
                "channel": case.channel,
                "track": case.track,
                "category": case.category.name if case.category else None,
                "total": case.total,
                "submitted_at": case.submitted_at,
                "closed_at": case.closed_at,
            }
        )
    return {"items": items, "limit": limit, "offset": offset, "has_more": len(rows) > limit}


@router.get(
    "/{pk}/followup",
    response={200: FollowupOut, **ERRORS},
    summary="What became of a batch's cases: delivered, mediated, agreed, confirmed, filed, closed",
    description=(
        "closure_rate = closed / delivered (whole percent); closed = fulfilled, closed, withdrawn or rejected; "
        "closed_in_month = closed before the end of the calendar month (China time) in which the batch's "
        "cases were opened."
    ),
    operation_id="batches_followup",
    url_name="batches_followup",
)
def batches_followup(request: HttpRequest, pk: int) -> dict[str, Any]:
    actor, batch = _batch(request, pk)
    f = batch_followup(actor=actor, batch=batch)
    return {
        "batch_id": batch.pk,
        "delivered": f.delivered,
        "in_mediation": f.in_mediation,
        "agreements": f.agreements,
        "confirmed": f.confirmed,
        "filed": f.filed,
        "closed": f.closed,
        "closure_rate": f.closure_rate,
        "closed_in_month": f.closed_in_month,
        "delivered_at": f.delivered_at,
        "month_end": f.month_end,
        "median_days_to_close": f.median_days_to_close,
        "outcome": f.outcome
        or {
            "fulfilled": 0,
            "closed_after_trial": 0,
            "closed_otherwise": 0,
            "withdrawn": 0,
            "rejected": 0,
            "open": 0,
        },
        "states": [{"state": s.state, "label": s.label, "count": s.count} for s in f.states],
    }
