"""Repayment for institutions' systems: report a payment, read the plan and its state.

`POST /api/v1/cases/{id}/payments` needs an `Idempotency-Key` header (xietong.webhooks.idempotency):
a retried request returns the first one's payment and records nothing; the same key with another
body is refused (409 `idempotency_key_reused`). A bank sees and reports only its own cases' payments:
another bank's case is 404.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Router

from xietong.cases.selectors import case_get
from xietong.core.api import ERRORS
from xietong.core.errors import NotFound
from xietong.webhooks.idempotency import idempotency_find, idempotency_key_clean, idempotency_remember, request_hash

from .choices import InstalmentState, PlanStatus
from .models import Payment, RepaymentPlan
from .schemas import CaseRepaymentOut, PaymentCreatedOut, PaymentIn
from .selectors import payments_visible, plan_current
from .services import payment_report

router = Router(tags=["repayment"])
KEY_DOC = "Required. A unique value per request (e.g. a UUID), the same when the request is retried."


def payment_out(p: Payment) -> dict[str, Any]:
    return {
        "id": p.pk,
        "paid_on": p.paid_on,
        "amount": p.amount,
        "reference": p.reference,
        "allocation": p.allocation,
        "recorded_at": p.created_at,
    }


def plan_out(plan: RepaymentPlan, actor: Any) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "version": plan.version,
        "status": plan.status,
        "status_label": str(PlanStatus(plan.status).label),
        "basis_kind": plan.basis_kind,
        "basis_number": plan.basis_number,
        "total": plan.total,
        "paid": plan.paid,
        "balance": plan.balance,
        "default_terms": {
            "grace_days": plan.grace_days,
            "default_after_missed": plan.default_after_missed,
            "accelerate": plan.accelerate,
        },
        "defaulted_at": plan.defaulted_at,
        "completed_at": plan.completed_at,
        "instalments": [
            {
                "seq": i.seq,
                "due_date": i.due_date,
                "amount": i.amount,
                "paid": i.paid,
                "outstanding": i.outstanding,
                "state": i.state,
                "state_label": str(InstalmentState(i.state).label),
            }
            for i in plan.instalments.order_by("seq")
        ],
        "payments": [payment_out(p) for p in payments_visible(actor=actor, plan=plan)],
    }


def _case(request: HttpRequest, case_id: int) -> tuple[Any, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    case = case_get(actor=actor, pk=case_id)
    if case is None:
        raise NotFound(_("No such case."))
    return actor, case


@router.get(
    "/{int:case_id}/repayment",
    response={200: CaseRepaymentOut, **ERRORS},
    summary="The case's repayment plan: instalments with their state, balance, default terms, your payments",
    url_name="repayment_case",
    operation_id="repayment_case",
)
def repayment_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor, case = _case(request, case_id)
    plan = plan_current(case)
    return {"case_id": case.pk, "case_state": case.state, "plan": plan_out(plan, actor) if plan else None}


@router.post(
    "/{int:case_id}/payments",
    response={201: PaymentCreatedOut, 200: PaymentCreatedOut, **ERRORS},
    summary="Report a payment received (settled on the oldest unpaid instalment first); needs Idempotency-Key",
    url_name="repayment_payment_create",
    operation_id="repayment_payment_create",
)
def repayment_payment_create(
    request: HttpRequest,
    case_id: int,
    body: PaymentIn,
    idempotency_key: str = Header("", alias="Idempotency-Key", description=KEY_DOC),
) -> tuple[int, dict[str, Any]]:
    actor, case = _case(request, case_id)
    key = idempotency_key_clean(idempotency_key)
    operation = f"repayment.payment:{case.pk}"
    digest = request_hash(
        operation, json.dumps({"paid_on": body.paid_on.isoformat(), "amount": str(body.amount), "ref": body.reference})
    )
    earlier = idempotency_find(actor=actor, key=key, operation=operation, request_hash=digest)
    if earlier is not None and earlier.object_id is not None:
        payment = Payment.objects.get(pk=earlier.object_id)
        return 200, {"created": False, "payment": payment_out(payment), "plan": plan_out(payment.plan, actor)}
    payment = payment_report(actor=actor, case=case, paid_on=body.paid_on, amount=body.amount, reference=body.reference)
    idempotency_remember(actor=actor, key=key, operation=operation, request_hash=digest, obj=payment)
    plan = RepaymentPlan.objects.get(pk=payment.plan_id)
    return 201, {"created": True, "payment": payment_out(payment), "plan": plan_out(plan, actor)}
