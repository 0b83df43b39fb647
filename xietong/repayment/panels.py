"""The repayment panel of the case page: the plan, its instalments, payments, the creditor's forms,
and enforcement (the creditor's application; the court's acceptance and result)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from xietong.accounts.permissions import may
from xietong.cases.choices import CaseState
from xietong.cases.panels import CasePanel

from .choices import OPEN_PLAN_STATUSES, ApplicationStatus, PlanStatus, TimeRequestStatus
from .declarations import may_settle_declarations
from .forms import (
    AcknowledgementForm,
    PaymentForm,
    ResultForm,
    RevisionForm,
    SettleDeclarationForm,
    SuspendForm,
    WaiverForm,
)
from .selectors import (
    applications_of,
    declarations_of,
    enforceable_basis,
    limitation_clock,
    limitation_interruptions,
    may_report_payments,
    payments_visible,
    plan_current,
    plan_history,
    revision_open,
    time_requests_of,
)

SHOWN = frozenset({CaseState.CONFIRMED, CaseState.PERFORMING, CaseState.FULFILLED, CaseState.TRIED,
                   CaseState.ENFORCING, CaseState.CLOSED})  # fmt: skip
# Cases without an enforceable basis whose creditor is shown the way to one: a signed agreement awaiting
# the court's confirmation, or a failed mediation to be filed for trial.
UNCONFIRMED = frozenset({CaseState.AGREEMENT, CaseState.FAILED})


def not_enforceable_panel(user: Any, case: Any) -> CasePanel | None:
    """For the creditor: a signed agreement is not enforceable by itself; ask the court to confirm it
    (awaiting confirmation), or, the mediation having failed, ask for the case to be filed for trial."""
    from xietong.agreements.selectors import agreement_signed_for_case
    from xietong.judiciary.models import FilingRequest

    if not may_report_payments(user, case) or enforceable_basis(case) is not None:
        return None
    agreement = asked = filing = None
    if case.state == CaseState.AGREEMENT:
        agreement = agreement_signed_for_case(case)
        if agreement is None:
            return None
        asked = case.events.filter(kind="confirmation_requested", data__version=agreement.version).first()
    else:
        filing = FilingRequest.objects.filter(case=case).first()
    return CasePanel(
        template="repayment/_not_enforceable.html",
        context={"agreement": agreement, "asked": asked, "filing": filing},
        column="main",
        order=40,
    )


def repayment_panel(request: HttpRequest, case: Any) -> CasePanel | None:
    user: Any = request.user
    if not may(user, "cases.view"):
        return None
    if case.state in UNCONFIRMED:
        return not_enforceable_panel(user, case)
    if case.state not in SHOWN:
        return None
    plan = plan_current(case)
    applications = list(applications_of(case))
    if plan is None and not applications and case.state != CaseState.TRIED:
        return None
    creditor = may_report_payments(user, case)
    plan_open = plan is not None and plan.status in OPEN_PLAN_STATUSES and case.state == CaseState.PERFORMING
    revision = revision_open(case)
    time_request = time_requests_of(case).filter(status=TimeRequestStatus.OPEN).first()
    clock = limitation_clock(case) if may(user, "repayment.limitation") else None
    court = may(user, "repayment.enforce", case)
    open_app = next((a for a in applications if a.status != ApplicationStatus.CLOSED), None)
    may_apply = (
        creditor
        and open_app is None
        and (
            (case.state == CaseState.PERFORMING and plan is not None and plan.status == PlanStatus.DEFAULTED)
            or case.state == CaseState.TRIED
        )
    )
    return CasePanel(
        template="repayment/_case_panel.html",
        context={
            "plan": plan,
            "clock": clock,
            "interruptions": [i for i in limitation_interruptions(case) if i.on > clock.starts][:10] if clock else [],
            "may_acknowledge": clock is not None and may(user, "repayment.acknowledge_debt", case),
            "acknowledgement_form": AcknowledgementForm(),
            "instalments": list(plan.instalments.all()) if plan else [],
            "payments": list(payments_visible(actor=user, plan=plan)) if plan else [],
            "may_report": creditor
            and plan is not None
            and plan.status in (PlanStatus.ACTIVE, PlanStatus.DEFAULTED, PlanStatus.SUSPENDED)
            and case.state == CaseState.PERFORMING,
            "form": PaymentForm(initial={"paid_on": timezone.localdate()}),
            "may_apply": may_apply,
            "basis": enforceable_basis(case),
            "applications": applications,
            "open_application": open_app,
            "may_accept": court and open_app is not None and open_app.status == ApplicationStatus.APPLIED,
            "may_record_result": court
            and open_app is not None
            and open_app.status == ApplicationStatus.ACCEPTED
            and case.state == CaseState.ENFORCING,
            "result_form": ResultForm(),
            "may_suspend": may(user, "repayment.suspend", case)
            and plan is not None
            and plan.status == PlanStatus.ACTIVE
            and case.state == CaseState.PERFORMING,
            "suspend_form": SuspendForm(),
            "declarations": list(declarations_of(case)),
            "history": [h for h in plan_history(case) if plan is None or h.pk != plan.pk],
            "revision": revision,
            "time_request": time_request,
            "may_draft": plan_open and may(user, "repayment.revise", case),
            "may_sign_creditor": revision is not None
            and may(user, "repayment.sign_as_creditor", case)
            and revision.creditor_signed_at is None,
            "may_sign_counter": revision is not None
            and revision.debtor_signed_at is None
            and may(user, "repayment.sign_at_counter", case),
            "may_void_revision": revision is not None and may(user, "repayment.revise", case),
            "revision_form": RevisionForm(
                initial={
                    "months": (time_request.months if time_request and time_request.months else 12),
                    "first_due": timezone.localdate() + dt.timedelta(days=30),
                    "grace_days": plan.grace_days if plan else 15,
                    "default_after_missed": plan.default_after_missed if plan else 1,
                    "accelerate": plan.accelerate if plan else True,
                }
            ),
            "waivers": list(plan.waivers.order_by("created_at", "pk")) if plan else [],
            "waiver_form": WaiverForm(instalments=list(plan.instalments.all())) if plan else None,
            "may_answer": may(user, "repayment.answer_declarations", case),
            "may_settle": may_settle_declarations(user, case),
            "settle_form": SettleDeclarationForm(),
        },
        column="main",
        order=40,
    )
