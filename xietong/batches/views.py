"""Batch pages: list, upload, column mapping, preview, the template and the error report. Thin: services decide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.cases.choices import Product
from xietong.core.errors import DomainError, NotFound
from xietong.documents.downloads import download_audited

from .checking import error_text
from .choices import IMPORT_RUNNING, BatchStatus
from .columns import FIELD_BY_KEY
from .forms import MappingForm, UploadForm
from .importing import rows_per_second
from .models import Batch
from .permissions import may_use_batches
from .reader import max_upload_bytes
from .selectors import batch_get, batch_list, batch_problem_rows, institutions_for
from .services import batch_import_start, batch_recover_stale, batch_upload, mapping_save
from .xlsx import error_report_xlsx, template_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_PROBLEMS = 50


def _operator(request: HttpRequest) -> Any:
    if not may_use_batches(request.user):
        raise PermissionDenied
    return request.user


def _batch(request: HttpRequest, pk: int) -> Batch:
    actor = _operator(request)
    try:
        return batch_get(actor=actor, pk=pk)
    except NotFound:
        raise Http404(_("No such batch.")) from None


@login_required
@require_GET
def batch_list_view(request: HttpRequest) -> HttpResponse:
    actor = _operator(request)
    batches = batch_list(actor=actor)[:200]
    return render(request, "batches/list.html", {"batches": batches})


@login_required
@require_GET
def batch_template(request: HttpRequest) -> HttpResponse:
    _operator(request)
    # Not audited: a blank template (its example row is made up) names no one.
    response = HttpResponse(template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E6%89%B9%E9%87%8F%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


class SizeLimitHandler(FileUploadHandler):
    """Refuses an upload larger than the limit from its Content-Length, before its body is read."""

    def __init__(self, request: HttpRequest | None = None, limit: int = 0) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large: int | None = None

    def handle_raw_input(
        self, input_data: Any, META: dict[str, Any], content_length: int, boundary: str, encoding: str | None = None
    ) -> tuple[QueryDict, MultiValueDict[str, Any]] | None:
        if content_length > self.limit + 64 * 1024:  # room for the form's other fields
            self.too_large = content_length
            return QueryDict(), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def batch_upload_view(request: HttpRequest) -> HttpResponse:
    """Upload a file. An oversized body is refused before it is read (and before CSRF reads it);
    everything else goes through the CSRF-protected view."""
    actor = _operator(request)
    handler = SizeLimitHandler(request, max_upload_bytes())
    if request.method == "POST":
        request.upload_handlers = [handler, *request.upload_handlers]
        request.POST  # noqa: B018 - parse now, through the handler
        if handler.too_large is not None:
            refusal = _("The file is %(size)s; a batch file may be at most %(max)s. Split it into several files.") % {
                "size": filesizeformat(handler.too_large),
                "max": filesizeformat(max_upload_bytes()),
            }
            form = UploadForm(institutions=institutions_for(actor=actor))
            return render(request, "batches/upload.html", {"form": form, "refusal": refusal}, status=413)
    return _upload(request, actor)


@csrf_protect
def _upload(request: HttpRequest, actor: Any) -> HttpResponse:
    institutions = institutions_for(actor=actor)
    if request.method != "POST":
        return render(request, "batches/upload.html", {"form": UploadForm(institutions=institutions)})
    form = UploadForm(request.POST, request.FILES, institutions=institutions)
    if form.is_valid():
        try:
            result = batch_upload(actor=actor, institution=form.chosen_institution(), file=form.cleaned_data["file"])
        except DomainError as e:
            form.add_error("file", str(e.message))
        else:
            if not result.created:
                messages.info(request, _("This file was uploaded before; here is its check."))
            if result.needs_mapping:
                return redirect("batch-mapping", pk=result.batch.pk)
            return redirect("batch-detail", pk=result.batch.pk)
    return render(request, "batches/upload.html", {"form": form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def batch_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if batch.status != BatchStatus.UPLOADED:
        return redirect("batch-detail", pk=batch.pk)
    from .checking import auto_mapping

    initial = batch.mapping or auto_mapping(batch.headers)
    form = MappingForm(request.POST or None, batch=batch, initial_mapping=initial, initial_values=batch.values)
    if request.method == "POST" and form.is_valid():
        try:
            mapping_save(
                actor=request.user,
                batch=batch,
                mapping=form.mapping(),
                values=form.values(),
                category=form.category(),
            )
        except DomainError as e:
            form.add_error(None, str(e.message))
        else:
            messages.success(request, _("The columns are mapped and saved for your next upload."))
            return redirect("batch-detail", pk=batch.pk)
    return render(request, "batches/mapping.html", {"batch": batch, "form": form})


def _rate(per_second: float) -> float | int:
    return round(per_second, 1) if per_second < 10 else round(per_second)


def _import_context(batch: Batch) -> dict[str, Any]:
    """What the progress bar shows: done/total, rows/s, the phase; once finished, the result."""
    if batch.status in IMPORT_RUNNING and batch_recover_stale(batch_id=batch.pk):
        batch.refresh_from_db()  # its worker died: failed, retryable
    pct = round(batch.done * 100 / batch.total) if batch.total else 0
    first_case = last_case = None
    if batch.status == BatchStatus.IMPORTED:
        linked = batch.rows.filter(case__isnull=False).order_by("number").values_list("case_id", flat=True)
        first_case = linked.first()
        last_case = linked.last()
    return {
        "batch": batch,
        "running": batch.status in IMPORT_RUNNING,
        "pct": min(pct, 100),
        "rate": _rate(rows_per_second(batch)),
        "first_case": first_case,
        "last_case": last_case,
    }


def _every_row(batch: Batch) -> list[tuple[str, str]]:
    """What was set for every row of the batch (not read from the file), as (label, value) to show."""
    shown = []
    for key, value in batch.values.items():
        if key == "product" and value in Product.values:
            value = str(Product(value).label)
        shown.append((str(FIELD_BY_KEY[key].label) if key in FIELD_BY_KEY else key, value))
    if batch.category is not None:
        shown.append((_("Category"), batch.category.name))
    return shown


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if batch.status == BatchStatus.UPLOADED:
        return redirect("batch-mapping", pk=batch.pk)
    problems = []
    for row in batch_problem_rows(batch=batch)[:PREVIEW_PROBLEMS]:
        for error in row.errors:
            problems.append(
                {
                    "row": row.number,
                    "column": error.get("column", ""),
                    "value": str(row.raw.get(error.get("field", ""), ""))[:40],
                    "reason": error_text(error),
                    "duplicate": error.get("code", "").startswith("duplicate"),
                }
            )
    rate = round(batch.valid_count * 100 / batch.row_count) if batch.row_count else 0
    context = {
        "problems": problems,
        "valid_pct": rate,
        "every_row": _every_row(batch),
        "above_header": max(batch.header_row - 1, 0),
        **_import_context(batch),
    }
    return render(request, "batches/detail.html", context)


@login_required
@require_GET
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, polled by the batch page every second while the import runs."""
    batch = _batch(request, pk)
    # The state badge and the follow-up link swap in beside it (out of band): the page keeps up unreloaded.
    response = render(request, "batches/_progress.html", {**_import_context(batch), "oob": True})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def batch_errors_xlsx(request: HttpRequest, pk: int) -> HttpResponseBase:
    batch = _batch(request, pk)
    rows = batch_problem_rows(batch=batch).iterator(chunk_size=2000)
    return download_audited(  # the refused rows as read: names, ID numbers, phones
        request,
        obj=batch,
        case=None,
        document="batch_errors",
        content=error_report_xlsx(batch, rows),
        filename=f"batch-{batch.pk}-errors.xlsx",
        content_type=XLSX,
        details={"batch": batch.pk, "format": "xlsx"},
    )


@login_required
@require_POST
def batch_import_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Start (or retry) the import of a batch in the background; the page then shows its progress."""
    batch = _batch(request, pk)
    try:
        started = batch_import_start(batch=batch, actor=request.user)
    except DomainError as e:  # a second click finds the import under way: Conflict, said plainly
        messages.error(request, str(e.message))
    else:
        if started.status == BatchStatus.IMPORTED:
            messages.success(request, _("%(n)s cases were opened and triaged.") % {"n": started.done})
        elif started.status != BatchStatus.FAILED:
            messages.info(request, _("The import has started; this page shows its progress."))
    return redirect("batch-detail", pk=batch.pk)
