"""Changing the plan: asking for more time, the mediator's draft, the two agreements. Thin views over
xietong/repayment/revisions.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xietong.accounts.permissions import may
from xietong.agreements.plans import parse_plan_text
from xietong.cases.views import case_or_404
from xietong.core.errors import DomainError

from .forms import CodeForm, RevisionForm, TimeRequestForm, form_errors
from .models import PlanRevision, TimeRequest
from .revisions import (
    plan_revision_code,
    plan_revision_draft,
    plan_revision_sign_counter,
    plan_revision_sign_creditor,
    plan_revision_sign_debtor,
    plan_revision_void,
    time_request_create,
    time_request_decline,
)


def _back(request: HttpRequest, case: Any) -> HttpResponse:
    if may(request.user, "repayment.mine"):
        return redirect(f"/my/repayments/#plan-{case.pk}")
    return redirect(f"/cases/{case.pk}/#repayment")


def _refused(request: HttpRequest, form: Any) -> None:
    for text in form_errors(form):
        messages.error(request, text)
    messages.error(request, _("Nothing was changed."))


def _revision(case: Any, pk: int) -> PlanRevision:
    found = PlanRevision.objects.filter(case=case, pk=pk).first()
    if found is None:
        raise Http404(_("No such plan revision."))
    return found


@login_required
@require_POST
def time_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = TimeRequestForm(request.POST)
    if not form.is_valid():
        _refused(request, form)
        return _back(request, case)
    try:
        time_request_create(
            actor=request.user, case=case, reason=form.cleaned_data["reason"], months=form.cleaned_data["months"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(request, case)
    messages.success(request, _("Your request is sent to the mediator, who will contact you."))
    return _back(request, case)


@login_required
@require_POST
def time_request_decline_view(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    found = TimeRequest.objects.filter(case=case, pk=request_pk).first()
    if found is None:
        raise Http404(_("No such request."))
    try:
        time_request_decline(actor=request.user, request=found, answer=request.POST.get("answer", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(request, case)
    messages.success(request, _("The request is declined; the debtor is told why."))
    return _back(request, case)


@login_required
@require_POST
def revision_draft_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = RevisionForm(request.POST)
    if not form.is_valid():
        _refused(request, form)
        return _back(request, case)
    d = form.cleaned_data
    try:
        lines = parse_plan_text(d["lines"]) if (d["lines"] or "").strip() else None
        plan_revision_draft(
            actor=request.user,
            case=case,
            months=d["months"],
            first_due=d["first_due"],
            day_of_month=d["day_of_month"],
            instalments=lines,
            grace_days=d["grace_days"],
            default_after_missed=d["default_after_missed"],
            accelerate=d["accelerate"],
            note=d["note"] or "",
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        messages.error(request, _("Nothing was changed."))
        return _back(request, case)
    messages.success(request, _("The new plan is proposed: the debtor and the creditor are asked to agree."))
    return _back(request, case)


@login_required
@require_POST
def revision_code_view(request: HttpRequest, pk: int, revision_pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    revision = _revision(case, revision_pk)
    try:
        masked = plan_revision_code(actor=request.user, revision=revision)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(request, case)
    messages.success(request, _("A code was sent to %(phone)s.") % {"phone": masked})
    return _back(request, case)


@login_required
@require_POST
def revision_sign_view(request: HttpRequest, pk: int, revision_pk: int) -> HttpResponse:
    """The debtor with a code, the creditor's operator with one click, the mediator for a paper signature."""
    case = case_or_404(request, pk)
    revision = _revision(case, revision_pk)
    try:
        if may(request.user, "repayment.sign_as_debtor"):
            form = CodeForm(request.POST)
            if not form.is_valid():
                _refused(request, form)
                return _back(request, case)
            done = plan_revision_sign_debtor(actor=request.user, revision=revision, code=form.cleaned_data["code"])
        elif may(request.user, "repayment.sign_as_creditor"):
            done = plan_revision_sign_creditor(actor=request.user, revision=revision)
        else:
            done = plan_revision_sign_counter(actor=request.user, revision=revision)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(request, case)
    if done.status == "agreed":
        messages.success(request, _("Both sides agreed: the new plan is in force."))
    elif done.status == "void":
        messages.error(request, done.void_reason)
    else:
        messages.success(request, _("Agreed. The new plan is in force once the other side agrees too."))
    return _back(request, case)


@login_required
@require_POST
def revision_void_view(request: HttpRequest, pk: int, revision_pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    revision = _revision(case, revision_pk)
    try:
        plan_revision_void(actor=request.user, revision=revision, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(request, case)
    messages.success(request, _("The draft is withdrawn."))
    return _back(request, case)
