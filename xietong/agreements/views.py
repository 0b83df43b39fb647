"""Agreement pages: thin views over the services; the panel lives on the case page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xietong.cases.models import CaseParty
from xietong.cases.services import waiver_check
from xietong.cases.views import case_or_404
from xietong.core.errors import DomainError
from xietong.core.money import money_parse
from xietong.documents.downloads import DOCX, PDF, download_audited

from .documents import agreement_render_docx, agreement_render_pdf
from .forms import CodeForm, DraftForm, VoidForm
from .models import Agreement
from .plans import parse_plan_text, plan_check, plan_instalments
from .selectors import agreement_get
from .services import (
    agreement_draft,
    agreement_pdf_ensure,
    agreement_send,
    agreement_sign_code,
    agreement_sign_counter,
    agreement_sign_operator,
    agreement_sign_otp,
    agreement_void,
)


def _back(case: Any) -> HttpResponse:
    return redirect(f"/cases/{case.pk}/#agreement")


def _agreement_or_404(request: HttpRequest, case: Any, pk: int) -> Agreement:
    agreement = agreement_get(actor=request.user, case=case, pk=pk)
    if agreement is None:
        raise Http404(_("No such agreement."))
    return agreement


def _party_or_404(case: Any, pk: int) -> CaseParty:
    party = CaseParty.objects.filter(case=case, pk=pk).first()
    if party is None:
        raise Http404(_("No such party."))
    return party


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


@login_required
@require_POST
def agreement_draft_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = DraftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The draft is incomplete; nothing was changed."))
        return _back(case)
    d = form.cleaned_data
    try:
        plan = parse_plan_text(d["plan_text"]) if (d["plan_text"] or "").strip() else None
        agreement = agreement_draft(
            actor=request.user,
            case=case,
            waived=d["waived"],
            first_due=d["first_due"],
            months=None if plan is not None else d["months"],
            instalments=plan,
            day_of_month=d["day_of_month"],
            default_clause=d["default_clause"],
            grace_days=d["grace_days"],
            default_after_missed=d["default_after_missed"],
            accelerate=d["accelerate"],
            terms=d["terms"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("Version %(v)d of the agreement is drafted.") % {"v": agreement.version})
    return _back(case)


@login_required
@require_GET
def agreement_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan the draft form would make, live (htmx), with its sum; nothing is written."""
    case = case_or_404(request, pk)
    form = DraftForm(request.GET)
    ctx: dict[str, Any] = {"error": "", "plan": [], "total": None, "agreed": None}
    if not form.is_valid():
        ctx["error"] = _("Fill in the amount waived, the first date and the months or a plan.")
        return render(request, "agreements/_plan_preview.html", ctx)
    d = form.cleaned_data
    try:
        waived = money_parse(d["waived"], _("Amount waived"))
        agreed = waiver_check(case=case, waived=waived)
        if (d["plan_text"] or "").strip():
            plan = plan_check(parse_plan_text(d["plan_text"]), agreed, today=timezone.localdate())
        else:
            plan = plan_instalments(agreed, d["months"], d["first_due"], day_of_month=d["day_of_month"])
        ctx.update(plan=plan, total=sum((a for _d, a in plan), Decimal("0.00")), agreed=agreed)
    except DomainError as exc:
        ctx["error"] = str(exc.message)
    return render(request, "agreements/_plan_preview.html", ctx)


@login_required
@require_POST
def agreement_send_view(request: HttpRequest, pk: int, agreement_pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    agreement = _agreement_or_404(request, case, agreement_pk)
    try:
        agreement_send(actor=request.user, agreement=agreement)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("The agreement is open for signing; the parties were told."))
    return _back(case)


@login_required
@require_POST
def agreement_code_view(request: HttpRequest, pk: int, agreement_pk: int, party_pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    agreement = _agreement_or_404(request, case, agreement_pk)
    party = _party_or_404(case, party_pk)
    try:
        masked = agreement_sign_code(actor=request.user, agreement=agreement, case_party=party)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    request.session[f"agreement-code-{agreement.pk}"] = masked
    messages.success(request, _("A code was sent to %(phone)s. Enter it below to sign.") % {"phone": masked})
    return _back(case)


@login_required
@require_POST
def agreement_sign_view(request: HttpRequest, pk: int, agreement_pk: int, party_pk: int) -> HttpResponse:
    """Sign for one party: `how` is "otp" (with the code), "operator" or "counter"."""
    case = case_or_404(request, pk)
    agreement = _agreement_or_404(request, case, agreement_pk)
    party = _party_or_404(case, party_pk)
    how = request.POST.get("how", "")
    try:
        if how == "otp":
            form = CodeForm(request.POST)
            if not form.is_valid():
                raise DomainError(_("Enter the 6-digit code sent to your phone."), code="otp_invalid")
            agreement_sign_otp(
                actor=request.user,
                agreement=agreement,
                case_party=party,
                code=form.cleaned_data["code"],
                ip=_ip(request),
            )
        elif how == "operator":
            agreement_sign_operator(actor=request.user, agreement=agreement, case_party=party, ip=_ip(request))
        elif how == "counter":
            agreement_sign_counter(actor=request.user, agreement=agreement, case_party=party, ip=_ip(request))
        else:
            raise DomainError(_("The request was incomplete; nothing was changed."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    request.session.pop(f"agreement-code-{agreement.pk}", None)
    agreement.refresh_from_db()
    if agreement.frozen_at:
        messages.success(request, _("Signed. Every party has signed: the agreement is frozen."))
    else:
        messages.success(request, _("Signed for %(party)s.") % {"party": party.name})
    return _back(case)


@login_required
@require_POST
def agreement_void_view(request: HttpRequest, pk: int, agreement_pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    agreement = _agreement_or_404(request, case, agreement_pk)
    form = VoidForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Give a reason for voiding the agreement."))
        agreement_void(actor=request.user, agreement=agreement, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("Version %(v)d is void.") % {"v": agreement.version})
    return _back(case)


def _download(request: HttpRequest, agreement: Agreement, data: bytes, fmt: str) -> HttpResponseBase:
    return download_audited(
        request,
        obj=agreement,
        case=agreement.case,
        document="agreement",
        content=data,
        filename=_filename(agreement, fmt),
        content_type=PDF if fmt == "pdf" else DOCX,
        sha256=agreement.pdf_sha256 if fmt == "pdf" and agreement.content is not None else "",
        details={
            "format": fmt,
            "version": agreement.version,
            "draft": agreement.content is None,
            "content_hash": agreement.content_hash,
        },
    )


def _filename(agreement: Agreement, ext: str) -> str:
    suffix = "" if agreement.content is not None else "-draft"
    return f"agreement-{agreement.case_id}-v{agreement.version}{suffix}.{ext}"


@login_required
def agreement_pdf(request: HttpRequest, pk: int, agreement_pk: int) -> HttpResponseBase:
    """The frozen agreement's stored PDF, or a preview of a draft marked DRAFT. Audited."""
    case = case_or_404(request, pk)
    agreement = _agreement_or_404(request, case, agreement_pk)
    if agreement.content is not None:
        agreement = agreement_pdf_ensure(agreement=agreement)
        with agreement.pdf.open("rb") as fh:
            data = fh.read()
    else:
        data = agreement_render_pdf(agreement)
    return _download(request, agreement, data, "pdf")


@login_required
def agreement_docx(request: HttpRequest, pk: int, agreement_pk: int) -> HttpResponseBase:
    """The same content as a Word document, for the court to edit. Audited."""
    case = case_or_404(request, pk)
    agreement = _agreement_or_404(request, case, agreement_pk)
    data = agreement_render_docx(agreement)
    return _download(request, agreement, data, "docx")
