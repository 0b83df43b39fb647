from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xietong.accounts.permissions import may
from xietong.audit.services import audit_checkpoint_on_commit
from xietong.cases.selectors import case_get
from xietong.core.errors import DomainError, NotFound
from xietong.documents.downloads import download_audited

from .choices import ADDRESS_DEFECTS, FAILURES, Outcome
from .forms import AlternativeForm, AttemptForm, SendForm
from .models import ServedDocument, ServiceRecord
from .selectors import (
    address_defects_by_institution,
    document_get,
    failures_by_institution,
    failures_by_month,
    failures_scope,
    record_get,
)
from .services import (
    MAX_DOCUMENT_BYTES,
    is_recipient,
    link_holder,
    may_record,
    may_send,
    service_alternative_record,
    service_attempt_record,
    service_document_open,
    service_recipient_open,
    service_send,
    token_hash,
)


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _filename(document: ServedDocument) -> str:
    return f"{document.case.number or document.case_id}-{document.pk}.pdf"


@login_required
@require_POST
def document_send(request: HttpRequest, pk: int) -> HttpResponse:
    if not may(request.user, "service.send"):
        raise PermissionDenied
    case = case_get(actor=request.user, pk=pk)
    if case is None:
        raise Http404(_("No such case."))
    if not may_send(request.user, case):
        raise PermissionDenied
    form = SendForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("The request was incomplete; nothing was sent."))
        return redirect("case-detail", pk=case.pk)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_DOCUMENT_BYTES:
        messages.error(request, _("The document is too large; nothing was sent."))
        return redirect("case-detail", pk=case.pk)
    try:
        service_send(
            actor=request.user,
            case=case,
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            content=upload.read(),
            filename=upload.name,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("case-detail", pk=case.pk)
    messages.success(request, _("The document was sent for service."))
    return redirect("case-detail", pk=case.pk)


@login_required
def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A served document, from the case page. A recipient's first opening serves it electronically."""
    document = document_get(actor=request.user, pk=pk)
    if document is None:
        raise Http404(_("No such document."))
    if may(request.user, "service.receive"):  # the parties and institutions: what was served on them
        records = list(document.records.select_related("recipient"))
        if not any(is_recipient(request.user, r) for r in records):
            raise Http404(_("No such document."))
        service_recipient_open(actor=request.user, document=document, ip_address=_ip(request))
    return download_audited(
        request,
        obj=document,
        case=document.case,
        document="served_document",
        content=document.file.open("rb"),
        filename=_filename(document),
        sha256=document.sha256,
        details={"kind": document.kind},
    )


def _record_for_staff(request: HttpRequest, pk: int) -> ServiceRecord:
    record = record_get(actor=request.user, pk=pk)
    if record is None:
        raise Http404(_("No such service record."))
    if not may_record(request.user, record.document.case):
        raise PermissionDenied
    return record


@login_required
@require_POST
def attempt_record(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_for_staff(request, pk)
    form = AttemptForm(request.POST)
    back = redirect("case-detail", pk=record.document.case_id)
    if not form.is_valid():
        messages.error(request, _("The request was incomplete; nothing was changed."))
        return back
    at = form.cleaned_data["at"]
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    try:
        service_attempt_record(
            actor=request.user,
            record=record,
            method=form.cleaned_data["method"],
            outcome=form.cleaned_data["outcome"],
            tracking_number=form.cleaned_data["tracking_number"],
            note=form.cleaned_data["note"],
            at=at,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return back
    messages.success(request, _("The attempt was recorded."))
    return back


@login_required
@require_POST
def alternative_record(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_for_staff(request, pk)
    form = AlternativeForm(request.POST)
    back = redirect("case-detail", pk=record.document.case_id)
    if not form.is_valid():
        messages.error(request, _("Give the kind and the reason of the alternative service; nothing was changed."))
        return back
    try:
        service_alternative_record(
            actor=request.user, record=record, kind=form.cleaned_data["kind"], reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return back
    messages.success(request, _("The alternative service was recorded."))
    return back


def _record_by_token(token: str) -> ServiceRecord | None:
    token = (token or "").strip()
    if not token or len(token) > 200:
        return None
    return ServiceRecord.objects.filter(token_hash=token_hash(token)).select_related("document__case").first()


@require_http_methods(["GET", "POST"])
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """The page the party's link opens: no login, the token is the credential.

    Showing the page serves nothing: messaging apps fetch links to preview them. The party's own click
    ("open the document", a POST) is the opening that serves the document.
    """
    if request.method == "POST":
        try:
            record = service_document_open(token=token, ip_address=_ip(request))
        except NotFound:
            raise Http404(_("No such document.")) from None
    else:
        found = _record_by_token(token)
        if found is None:
            raise Http404(_("No such document."))
        record = found
    document = record.document
    response = render(
        request,
        "service/open.html",
        {"record": record, "document": document, "case": document.case, "token": token},
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def open_link_file(request: HttpRequest, token: str) -> HttpResponseBase:
    """The document, once the party has opened it through the link: audited as theirs (the link's holder)."""
    record = _record_by_token(token)
    if record is None or record.opened_at is None:
        raise Http404(_("No such document."))
    document = record.document
    return download_audited(
        request,
        actor=link_holder(record),
        obj=document,
        case=document.case,
        document="served_document",
        content=document.file.open("rb"),
        filename=_filename(document),
        sha256=document.sha256,
        details={"kind": document.kind, "via": "link"},
    )


@login_required
def failures(request: HttpRequest) -> HttpResponse:
    """Failed service by institution: aggregates only, never a person."""
    allowed, institution = failures_scope(request.user)
    if not allowed:
        raise PermissionDenied
    if may(request.user, "audit.signed_export"):  # figures that leave for a regulator: the audit head, signed
        audit_checkpoint_on_commit(reason="export service_failures to regulator")
    try:
        months = max(1, min(int(request.GET.get("months", "6")), 24))
    except ValueError:
        months = 6
    since = timezone.now() - dt.timedelta(days=31 * months)
    rows = failures_by_institution(institution=institution, since=since)
    by_month = failures_by_month(institution=institution, since=since)
    defects = address_defects_by_institution(institution=institution, since=since)
    reasons = [o for o in Outcome.values if o in FAILURES]
    table: dict[int, dict[str, Any]] = {}
    for r in rows:
        row = table.setdefault(
            r["institution_id"], {"institution": r["institution"], "counts": dict.fromkeys(reasons, 0), "total": 0}
        )
        row["counts"][r["outcome"]] = r["count"]
        row["total"] += r["count"]
    month_keys = sorted({r["month"] for r in by_month})
    month_table: dict[int, dict[str, Any]] = {}
    for r in by_month:
        row = month_table.setdefault(
            r["institution_id"], {"institution": r["institution"], "counts": dict.fromkeys(month_keys, 0)}
        )
        row["counts"][r["month"]] = r["count"]
    for row in table.values():
        row["cells"] = [(Outcome(o).label, row["counts"][o]) for o in reasons]
    ctx = {
        "institution": institution,
        "months": months,
        "reasons": [(o, Outcome(o).label, o in ADDRESS_DEFECTS) for o in reasons],
        "by_reason": sorted(table.values(), key=lambda r: -r["total"]),
        "month_keys": month_keys,
        "by_month": list(month_table.values()),
        "defects": defects,
    }
    return render(request, "service/failures.html", ctx)
