"""Repayment pages: thin views over the services; the panel lives on the case page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation
from xietong.accounts.permissions import may
from xietong.cases.models import Case
from xietong.cases.views import case_or_404
from xietong.core.errors import DomainError
from xietong.documents.downloads import DOCX, PDF, download_audited

from .choices import PlanStatus
from .documents import application_render_docx, application_render_pdf
from .forms import (
    AcknowledgementForm,
    CodeForm,
    DeclarationForm,
    PaymentForm,
    ResultForm,
    SuspendForm,
    TimeRequestForm,
    WaiverForm,
    form_errors,
)
from .limitation import debt_acknowledge
from .models import EnforcementApplication, RepaymentPlan
from .selectors import (
    JUDGMENT,
    WORKLIST_ORDER,
    applications_waiting,
    creditor_worklist,
    declarations_waiting,
    limitation_clocks,
    my_plans,
    performance_rate,
    performance_rates,
    plan_current,
    revisions_waiting,
    time_requests_waiting,
    worklist_counts,
)
from .services import (
    confirmation_request,
    enforcement_accept,
    enforcement_apply,
    enforcement_result_record,
    instalment_waive,
    payment_report,
    plan_suspend,
)


def _back(case: Any) -> HttpResponse:
    return redirect(f"/cases/{case.pk}/#repayment")


@login_required
@require_POST
def payment_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        for text in form_errors(form):
            messages.error(request, text)
        messages.error(request, _("Nothing was changed."))
        return _back(case)
    d = form.cleaned_data
    try:
        payment = payment_report(
            actor=request.user, case=case, paid_on=d["paid_on"], amount=d["amount"], reference=d["reference"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("%(amount)s yuan recorded.") % {"amount": payment.amount})
    return _back(case)


@login_required
@require_POST
def instalment_waive_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    plan = plan_current(case)
    form = WaiverForm(request.POST, instalments=list(plan.instalments.all()) if plan else [])
    if not form.is_valid():
        for text in form_errors(form):
            messages.error(request, text)
        messages.error(request, _("Nothing was changed."))
        return _back(case)
    d = form.cleaned_data
    try:
        waiver = instalment_waive(actor=request.user, case=case, seq=d["seq"], amount=d["amount"], reason=d["reason"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(
        request, _("%(amount)s yuan of instalment %(seq)s waived.") % {"amount": waiver.amount, "seq": waiver.seq}
    )
    return _back(case)


@login_required
@require_POST
def acknowledgement_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = AcknowledgementForm(request.POST)
    if not form.is_valid():
        for text in form_errors(form):
            messages.error(request, text)
        messages.error(request, _("Nothing was changed."))
        return _back(case)
    d = form.cleaned_data
    try:
        debt_acknowledge(actor=request.user, case=case, acknowledged_on=d["acknowledged_on"], note=d["note"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("The acknowledgement is recorded: the time limit runs again from its date."))
    return _back(case)


@login_required
@require_POST
def plan_suspend_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = SuspendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the end date and the reason; nothing was changed."))
        return _back(case)
    try:
        plan_suspend(
            actor=request.user, case=case, reason=form.cleaned_data["reason"], until=form.cleaned_data["until"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("Repayment is suspended."))
    return _back(case)


@login_required
@require_POST
def enforcement_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    try:
        enforcement_apply(actor=request.user, case=case)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("The application for enforcement is sent to the court."))
    return _back(case)


@login_required
@require_POST
def confirmation_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    try:
        done = confirmation_request(actor=request.user, case=case)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    if done["created"]:
        messages.success(request, _("The court is asked to confirm the agreement."))
    else:
        messages.info(request, _("You asked for it already; nothing was sent again."))
    return _back(case)


@login_required
@require_POST
def enforcement_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    try:
        application = enforcement_accept(actor=request.user, case=case, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("Enforcement opened: %(number)s.") % {"number": application.enforcement_number})
    return _back(case)


@login_required
@require_POST
def enforcement_result_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = ResultForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the result of enforcement; nothing was changed."))
        return _back(case)
    d = form.cleaned_data
    try:
        enforcement_result_record(
            actor=request.user, case=case, result=d["result"], amount=d["amount"], note=d["note"] or ""
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    messages.success(request, _("The result of enforcement is recorded and the case is closed."))
    return _back(case)


def _application(request: HttpRequest, pk: int, application_pk: int) -> EnforcementApplication:
    case = case_or_404(request, pk)
    application = EnforcementApplication.objects.filter(case=case, pk=application_pk).select_related("case").first()
    if application is None:
        raise Http404(_("No such application."))
    if not may(request.user, "repayment.enforcement_documents"):
        raise PermissionDenied  # the creditor's and the court's document
    return application


def _enforcement_download(request: HttpRequest, application: EnforcementApplication, fmt: str) -> HttpResponseBase:
    """The application names the parties: every download is audited like any other document."""
    make = application_render_pdf if fmt == "pdf" else application_render_docx
    return download_audited(
        request,
        obj=application,
        case=application.case,
        document="enforcement_application",
        content=make(application),
        filename=f"enforcement-{application.case_id}.{fmt}",
        content_type=PDF if fmt == "pdf" else DOCX,
        details={"format": fmt},
    )


@login_required
@require_GET
def enforcement_pdf(request: HttpRequest, pk: int, application_pk: int) -> HttpResponseBase:
    return _enforcement_download(request, _application(request, pk, application_pk), "pdf")


@login_required
@require_GET
def enforcement_docx(request: HttpRequest, pk: int, application_pk: int) -> HttpResponseBase:
    return _enforcement_download(request, _application(request, pk, application_pk), "docx")


@login_required
@require_GET
def my_repayments(request: HttpRequest) -> HttpResponse:
    """The debtor's (or the acting relative's) phone page: next instalment, paid so far, what is late."""
    if not may(request.user, "repayment.mine"):
        raise PermissionDenied
    today = timezone.localdate()
    context = {
        "plans": my_plans(actor=request.user),
        "declare_form": DeclarationForm(initial={"paid_on": today}),
        "time_form": TimeRequestForm(),
        "code_form": CodeForm(),
    }
    return render(request, "repayment/my_repayments.html", context)


WORKLIST_PAGE = 50


@login_required
@require_GET
def repayment_worklist(request: HttpRequest) -> HttpResponse:
    """The creditor's (and the court's) plans: defaulted first, with the balance outstanding."""
    if not may(request.user, "repayment.worklist"):
        raise PermissionDenied
    cases = creditor_worklist(actor=request.user)
    page = Paginator(cases, WORKLIST_PAGE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    plans = RepaymentPlan.objects.in_bulk([c.plan_id for c in listed if c.plan_id])
    clocks = limitation_clocks([c.pk for c in listed])
    rows = [{"case": c, "plan": plans.get(c.plan_id), "clock": clocks.get(c.pk)} for c in listed]
    counts = worklist_counts(cases)
    labels = {JUDGMENT: _("judgment, awaiting an application for enforcement"), **dict(PlanStatus.choices)}
    summary = [
        (s, labels[s], counts[s]) for s in (PlanStatus.DEFAULTED, JUDGMENT, *WORKLIST_ORDER[1:]) if counts.get(s)
    ]
    visible = Case.objects.restrict(request.user)
    overall = performance_rate(cases=visible)
    per_creditor = []
    if may(request.user, "repayment.every_creditor"):
        names = {o.pk: o.display_name for o in Organisation.objects.filter(kind=OrganisationKind.INSTITUTION)}
        per_creditor = [
            (names.get(r.institution_id or 0, "—"), r) for r in performance_rates(by=("institution",), cases=visible)
        ]
    waiting = list(declarations_waiting(actor=request.user)[:100])
    asked = list(time_requests_waiting(actor=request.user)[:100])
    proposed = list(revisions_waiting(actor=request.user)[:100])
    to_accept = list(applications_waiting(actor=request.user)[:100])
    return render(
        request,
        "repayment/worklist.html",
        {
            "rows": rows,
            "page": page,
            "summary": summary,
            "waiting": waiting,
            "asked": asked,
            "proposed": proposed,
            "to_accept": to_accept,
            "rate": overall,
            "per_creditor": per_creditor,
        },
    )
