"""Pages of the judiciary: the worklist, the case panel's forms, the filing page, ruling downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xietong.accounts.permissions import may
from xietong.cases.choices import CaseState
from xietong.cases.definitions import TARGET_DAYS
from xietong.cases.models import Case
from xietong.cases.selectors import case_get
from xietong.core.errors import DomainError
from xietong.documents.downloads import download_audited

from .choices import ReviewDecision
from .forms import HearingForm, HearingStatusForm, NoteForm, OutcomeForm, ReviewForm
from .models import Hearing
from .selectors import judiciary_worklist, may_use_worklist, ruling_get
from .services import (
    carried_over,
    case_file_for_trial,
    confirmation_decide,
    filing_request_create,
    hearing_notice_deliver,
    hearing_schedule,
    hearing_set_status,
    ruling_ensure_pdf,
    trial_outcome_record,
)


def _case(request: HttpRequest, pk: int, action: str | None = None) -> Any:
    """The case, if the user may take `action` on such pages (403) and may see the case (404)."""
    if not may(request.user, "cases.view") or (action is not None and not may(request.user, action)):
        raise PermissionDenied
    case = case_get(actor=request.user, pk=pk)
    if case is None:
        raise Http404(_("No such case."))
    return case


def _form_errors(request: HttpRequest, form: Any) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}: {e}" if label else str(e))


def _back(case: Any) -> HttpResponse:
    return redirect("case-detail", pk=case.pk)


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    if not may_use_worklist(request.user):
        raise PermissionDenied
    wl = judiciary_worklist(actor=request.user)
    return render(request, "judiciary/worklist.html", {"wl": wl, "target_days": TARGET_DAYS})


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, "judiciary.judge")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    d = form.cleaned_data
    try:
        result = confirmation_decide(
            actor=request.user,
            case=case.pk,
            decision=d["decision"],
            voluntary=d["voluntary"],
            lawful=d["lawful"],
            within_jurisdiction=d["within_jurisdiction"],
            parties_identified=d["parties_identified"],
            reasons=d["reasons"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    if result.decision == ReviewDecision.CONFIRM:
        number = result.ruling.number if hasattr(result, "ruling") else ""
        messages.success(request, _("The agreement is confirmed: ruling %(number)s.") % {"number": number})
    else:
        messages.success(request, _("Confirmation refused; the case is back in mediation."))
    return _back(case)


@login_required
@require_POST
def filing_request(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, "judiciary.request_filing")
    form = NoteForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    try:
        filing_request_create(actor=request.user, case=case.pk, note=form.cleaned_data["note"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("The request to file the case is recorded."))
    return _back(case)


@login_required
def file_case(request: HttpRequest, pk: int) -> HttpResponse:
    """The filing page: what the filed case keeps from the mediation, and the button that files it."""
    case = _case(request, pk, "judiciary.file")
    if request.method == "POST":
        form = NoteForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("judiciary-file", pk=case.pk)
        try:
            filed = case_file_for_trial(actor=request.user, case=case.pk, note=form.cleaned_data["note"])
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("judiciary-file", pk=case.pk)
        messages.success(request, _("Filed for trial: %(number)s.") % {"number": filed.number})
        return _back(case)
    from .models import FilingRequest

    ctx = {
        "case": case,
        "carried": carried_over(case),
        "filing_request": FilingRequest.objects.filter(case=case).select_related("party").first(),
        "may_file": case.state == CaseState.FAILED,
        "form": NoteForm(),
    }
    return render(request, "judiciary/file.html", ctx)


@login_required
@require_POST
def hearing_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, "judiciary.file")
    form = HearingForm(request.POST, court_id=case.court_id)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    d = form.cleaned_data
    starts_at: dt.datetime = d["starts_at"]
    if timezone.is_naive(starts_at):  # the form's time is the court's local time
        starts_at = timezone.make_aware(starts_at)
    try:
        hearing_schedule(
            actor=request.user,
            case=case.pk,
            starts_at=starts_at,
            place=d["place"],
            online_link=d["online_link"] or "",
            judge=d["judge"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("The hearing is scheduled and its notice sent for service."))
    return _back(case)


@login_required
@require_POST
def hearing_status(request: HttpRequest, pk: int, hearing_pk: int) -> HttpResponse:
    case = _case(request, pk, "judiciary.file")
    hearing = Hearing.objects.filter(case=case, pk=hearing_pk).first()
    if hearing is None:
        raise Http404(_("No such hearing."))
    form = HearingStatusForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    try:
        hearing_set_status(
            actor=request.user, hearing=hearing, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("The hearing is recorded."))
    return _back(case)


@login_required
@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, "judiciary.judge")
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case)
    d = form.cleaned_data
    try:
        trial_outcome_record(
            actor=request.user,
            case=case.pk,
            kind=d["kind"],
            summary=d["summary"],
            amount_awarded=d["amount_awarded"],
            schedule=form.payment_schedule(),
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    updated = Case.objects.get(pk=case.pk)
    messages.success(
        request, _("The outcome is recorded: the case is now %(state)s.") % {"state": CaseState(updated.state).label}
    )
    return _back(case)


@login_required
def ruling_pdf(request: HttpRequest, pk: int, ruling_pk: int) -> HttpResponseBase:
    """Download a ruling of a case the user may see; every download is audited."""
    case = _case(request, pk)
    ruling = ruling_get(actor=request.user, case=case, pk=ruling_pk)
    if ruling is None:
        raise Http404(_("No such ruling."))
    ruling = ruling_ensure_pdf(ruling=ruling)
    return download_audited(
        request,
        obj=ruling,
        case=case,
        document="ruling",
        content=ruling.pdf.open("rb"),
        filename=f"{ruling.number}.pdf",
        sha256=ruling.sha256,
        details={"number": ruling.number},
    )


@login_required
def hearing_notice(request: HttpRequest, pk: int, hearing_pk: int) -> HttpResponseBase:
    """Download a hearing's notice (传票); one still being prepared is rendered and served now."""
    from xietong.service.models import ServedDocument

    case = _case(request, pk)
    hearing = Hearing.objects.filter(case=case, pk=hearing_pk).first()
    if hearing is None:
        raise Http404(_("No such hearing."))
    if not hearing.notice_id:
        hearing = hearing_notice_deliver(hearing_id=hearing.pk, actor_id=hearing.judge_id)
    document = (
        ServedDocument.objects.filter(case=case, pk=hearing.notice_id, kind="hearing_notice").first()
        if hearing.notice_id
        else None
    )
    if document is None:
        raise Http404(_("This hearing has no notice."))
    return download_audited(
        request,
        obj=document,
        case=case,
        document="hearing_notice",
        content=document.file.open("rb"),
        filename=f"hearing-notice-{case.pk}-{hearing.pk}.pdf",
        sha256=document.sha256,
        details={"hearing": hearing.pk},
    )
