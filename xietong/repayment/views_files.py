"""The creditor's payments files: upload, preview with every row's check, the error report, record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xietong.batches.checking import error_text
from xietong.core.errors import DomainError
from xietong.documents.downloads import download_audited

from .choices import PaymentFileStatus
from .forms import PaymentFileForm
from .models import PaymentFile
from .payment_files import COLUMNS, MAX_FILE_BYTES, error_report_xlsx, payment_file_apply, payment_file_upload
from .payment_files import template_xlsx as payments_template
from .selectors import may_use_payment_files, payment_file_get, payment_files_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 50


def _operator(request: HttpRequest) -> Any:
    if not may_use_payment_files(request.user):
        raise PermissionDenied
    return request.user


def _file(request: HttpRequest, pk: int) -> PaymentFile:
    found = payment_file_get(actor=_operator(request), pk=pk)
    if found is None:
        raise Http404(_("No such payments file."))
    return found


@login_required
@require_http_methods(["GET", "POST"])
def payment_files_view(request: HttpRequest) -> HttpResponse:
    """The institution's payments files, newest first, and the upload form."""
    actor = _operator(request)
    form = PaymentFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES + 1:
            form.add_error("file", _("The file is too large for a payments file."))
        else:
            try:
                pf = payment_file_upload(actor=actor, data=upload.read(), name=upload.name)
            except DomainError as e:
                form.add_error("file", str(e.message))
            else:
                return redirect("repayment-file", pk=pf.pk)
    page = Paginator(payment_files_of(actor=actor), 20).get_page(request.GET.get("page"))
    status = 400 if request.method == "POST" else 200
    return render(request, "repayment/payment_files.html", {"form": form, "page": page}, status=status)


@login_required
@require_GET
def payment_file_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A file's check: its rows (the first fifty), or every reason a row was refused."""
    pf = _file(request, pk)
    problems = [
        {
            "row": row["number"],
            "column": error.get("column", ""),
            "value": str(row["raw"].get(error.get("field", ""), ""))[:40],
            "reason": error_text(error),
        }
        for row in pf.rows
        for error in row["errors"]
    ][:PREVIEW_ROWS]
    preview = [row for row in pf.rows if not row["errors"]][:PREVIEW_ROWS]
    cases = len({row["data"].get("case_id") for row in pf.rows if row["data"]})
    return render(
        request,
        "repayment/payment_file.html",
        {
            "pf": pf,
            "problems": problems,
            "preview": preview,
            "cases": cases,
            "columns": COLUMNS,
            "may_apply": pf.status == PaymentFileStatus.CHECKED,
        },
    )


@login_required
@require_GET
def payment_file_errors(request: HttpRequest, pk: int) -> HttpResponseBase:
    pf = _file(request, pk)
    return download_audited(  # the refused rows as read: cases' numbers and their payments
        request,
        obj=pf,
        case=None,
        document="payment_file_errors",
        content=error_report_xlsx(pf),
        filename=f"payments-{pf.pk}-errors.xlsx",
        content_type=XLSX,
        details={"payment_file": pf.pk, "format": "xlsx"},
    )


@login_required
@require_GET
def payment_file_template(request: HttpRequest) -> HttpResponse:
    _operator(request)
    # Not audited: a blank template (its example row is made up) names no one.
    response = HttpResponse(payments_template(), content_type=XLSX)
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E8%BF%98%E6%AC%BE%E6%98%8E%E7%BB%86%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


@login_required
@require_POST
def payment_file_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    pf = _file(request, pk)
    try:
        done = payment_file_apply(actor=request.user, payment_file=pf)
    except DomainError as e:
        messages.error(request, str(e.message))
        return redirect("repayment-file", pk=pf.pk)
    if done.status == PaymentFileStatus.APPLIED:
        messages.success(
            request,
            _("%(n)s payments recorded (%(total)s yuan).") % {"n": done.row_count, "total": done.total_amount},
        )
    else:
        messages.error(request, _("A row was refused while recording: nothing was recorded. See the reason below."))
    return redirect("repayment-file", pk=pf.pk)
