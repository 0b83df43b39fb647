"""Repayment for institutions' systems: report a payment (one, or many across cases at once), read the plan.

`POST /api/v1/cases/{id}/payments` needs an `Idempotency-Key` header (xietong.webhooks.idempotency):
a retried request returns the first one's payment and records nothing; the same key with another
body is refused (409 `idempotency_key_reused`). A bank sees and reports only its own cases' payments:
another bank's case is 404.

`GET /api/v1/cases/{id}/enforcement` says whether the creditor may apply for enforcement now (and why
not: no enforceable basis — confirm the agreement or file for trial —, the plan not defaulted...), with
its applications and their state (the 执 number once accepted, the result once closed);
`POST /api/v1/cases/{id}/enforcement` applies (needs an `Idempotency-Key`).

`POST /api/v1/repayment/payment-files` takes many payments across the institution's cases at once
(rows of case number, date, amount, reference): each row is checked as a single report would be and
the errors come back per row; with `record: true` and no row refused, every payment is recorded in one
transaction (all or nothing). It needs an `Idempotency-Key` too.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Header, Router

from xietong.batches.checking import error_text
from xietong.cases.selectors import case_get
from xietong.core.api import ERRORS
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.core.spreadsheets import csv_row
from xietong.webhooks.idempotency import idempotency_find, idempotency_key_clean, idempotency_remember, request_hash

from .choices import ApplicationStatus, InstalmentState, PaymentFileStatus, PlanStatus
from .models import EnforcementApplication, Payment, PaymentFile, RepaymentPlan
from .payment_files import COLUMNS, payment_file_apply, payment_file_upload
from .schemas import (
    CaseEnforcementOut,
    CaseRepaymentOut,
    EnforcementCreatedOut,
    PaymentCreatedOut,
    PaymentFileIn,
    PaymentFileOut,
    PaymentIn,
)
from .selectors import (
    application_open,
    applications_of,
    enforceable_basis,
    may_report_payments,
    may_use_payment_files,
    payment_file_get,
    payments_visible,
    plan_current,
)
from .services import payment_report

router = Router(tags=["repayment"])
files_router = Router(tags=["repayment"])
ROW_ERRORS_IN_RESPONSE = 500
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
        "waived": plan.waived,
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
                "waived": i.waived,
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


# Payments in bulk --------------------------------------------------------------------------------


def payment_file_out(pf: PaymentFile) -> dict[str, Any]:
    return {
        "id": pf.pk,
        "status": pf.status,
        "status_label": str(PaymentFileStatus(pf.status).label),
        "rows": pf.row_count,
        "rows_with_errors": pf.error_count,
        "total_amount": pf.total_amount,
        "created_at": pf.created_at,
        "recorded_at": pf.applied_at,
        "row_errors": [
            {"row": row["number"], "column": e.get("column", ""), "code": e.get("code", ""), "message": error_text(e)}
            for row in pf.rows
            for e in row["errors"]
        ][:ROW_ERRORS_IN_RESPONSE],
    }


def _rows_csv(body: PaymentFileIn) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_row(c.header for c in COLUMNS))
    for r in body.rows:
        # written like every spreadsheet of the platform; the reader takes the apostrophe before a "-1" off
        writer.writerow(csv_row([r.case_number, r.paid_on, r.amount, r.reference]))
    return out.getvalue().encode("utf-8")


@files_router.post(
    "/payment-files",
    response={201: PaymentFileOut, 200: PaymentFileOut, **ERRORS},
    summary=(
        "Report many payments across your cases at once: every row checked (the errors per row), "
        "recorded all or nothing when `record` is true and no row is refused; needs Idempotency-Key"
    ),
    url_name="repayment_file_create",
    operation_id="repayment_file_create",
)
def repayment_file_create(
    request: HttpRequest,
    body: PaymentFileIn,
    idempotency_key: str = Header("", alias="Idempotency-Key", description=KEY_DOC),
) -> tuple[int, dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]
    if not may_use_payment_files(actor):
        raise NotAllowed(_("Only an institution's operators and systems report payments."), code="not_creditor")
    key = idempotency_key_clean(idempotency_key)
    data = _rows_csv(body)
    operation = "repayment.payment_file"
    digest = request_hash(operation, data, "record" if body.record else "check")
    earlier = idempotency_find(actor=actor, key=key, operation=operation, request_hash=digest)
    if earlier is not None and earlier.object_id is not None:
        found = payment_file_get(actor=actor, pk=earlier.object_id)
        if found is not None:
            return 200, payment_file_out(found)
    if not body.rows:
        raise DomainError(_("Give at least one payment."), code="no_rows")
    pf = payment_file_upload(actor=actor, data=data, name="api.csv")
    if body.record and pf.status == PaymentFileStatus.CHECKED:
        pf = payment_file_apply(actor=actor, payment_file=pf)
    idempotency_remember(actor=actor, key=key, operation=operation, request_hash=digest, obj=pf)
    return 201, payment_file_out(pf)


@files_router.get(
    "/payment-files/{int:file_id}",
    response={200: PaymentFileOut, **ERRORS},
    summary="A payments file of your institution: its status and the errors per row",
    url_name="repayment_file_detail",
    operation_id="repayment_file_detail",
)
def repayment_file_detail(request: HttpRequest, file_id: int) -> dict[str, Any]:
    found = payment_file_get(actor=request.auth, pk=file_id)  # type: ignore[attr-defined]
    if found is None:
        raise NotFound(_("No such payments file."))
    return payment_file_out(found)


@files_router.post(
    "/payment-files/{int:file_id}/record",
    response={200: PaymentFileOut, **ERRORS},
    summary="Record a checked payments file, all or nothing (again: the same file, nothing recorded twice)",
    url_name="repayment_file_record",
    operation_id="repayment_file_record",
)
def repayment_file_record(request: HttpRequest, file_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    found = payment_file_get(actor=actor, pk=file_id)
    if found is None:
        raise NotFound(_("No such payments file."))
    return payment_file_out(payment_file_apply(actor=actor, payment_file=found))


# Enforcement -------------------------------------------------------------------------------------


def application_out(a: EnforcementApplication) -> dict[str, Any]:
    return {
        "id": a.pk,
        "status": a.status,
        "status_label": str(ApplicationStatus(a.status).label),
        "basis_kind": a.basis_kind,
        "basis_number": a.basis_number,
        "amount_outstanding": a.amount_outstanding,
        "amount_paid": a.amount_paid,
        "applied_at": a.applied_at,
        "accepted_at": a.accepted_at,
        "enforcement_number": a.enforcement_number,
        "result": a.result,
        "result_amount": a.result_amount,
        "closed_at": a.closed_at,
        "pdf": f"/api/v1/cases/{a.case_id}/enforcement/{a.pk}/pdf",
    }


def _why_not(actor: Any, case: Any) -> str:
    """Why the creditor may not apply now ("" when it may)."""
    from .services import enforcement_check

    try:
        enforcement_check(actor=actor, case=case)
    except DomainError as exc:
        return str(exc.message)
    return ""


@router.get(
    "/{int:case_id}/enforcement",
    response={200: CaseEnforcementOut, **ERRORS},
    summary="The case's enforcement: its basis, whether you may apply now (and why not), your applications",
    url_name="repayment_enforcement",
    operation_id="repayment_enforcement",
)
def repayment_enforcement(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor, case = _case(request, case_id)
    basis = enforceable_basis(case)
    why = _why_not(actor, case)
    return {
        "case_id": case.pk,
        "case_state": case.state,
        "enforceable": basis is not None,
        "basis_kind": basis[0] if basis else None,
        "basis_number": basis[1] if basis else None,
        "may_apply": why == "",
        "why_not": why,
        "applications": [application_out(a) for a in applications_of(case)],
    }


@router.post(
    "/{int:case_id}/enforcement",
    response={201: EnforcementCreatedOut, 200: EnforcementCreatedOut, **ERRORS},
    summary="Apply for enforcement (强制执行申请书) on the case's enforceable basis; needs Idempotency-Key",
    url_name="repayment_enforcement_apply",
    operation_id="repayment_enforcement_apply",
)
def repayment_enforcement_apply(
    request: HttpRequest,
    case_id: int,
    idempotency_key: str = Header("", alias="Idempotency-Key", description=KEY_DOC),
) -> tuple[int, dict[str, Any]]:
    from .services import enforcement_apply

    actor, case = _case(request, case_id)
    key = idempotency_key_clean(idempotency_key)
    operation = f"repayment.enforcement:{case.pk}"
    digest = request_hash(operation)
    earlier = idempotency_find(actor=actor, key=key, operation=operation, request_hash=digest)
    if earlier is not None and earlier.object_id is not None:
        found = EnforcementApplication.objects.get(pk=earlier.object_id)
        return 200, {"created": False, "application": application_out(found)}
    before = application_open(case)
    application = enforcement_apply(actor=actor, case=case.pk)
    idempotency_remember(actor=actor, key=key, operation=operation, request_hash=digest, obj=application)
    created = before is None or before.pk != application.pk
    return (201 if created else 200), {"created": created, "application": application_out(application)}


@router.get(
    "/{int:case_id}/enforcement/{int:application_id}/pdf",
    response={200: None, **ERRORS},
    summary="The application for enforcement as PDF (each download audited)",
    url_name="repayment_enforcement_pdf",
    operation_id="repayment_enforcement_pdf",
)
def repayment_enforcement_pdf(request: HttpRequest, case_id: int, application_id: int) -> HttpResponseBase:
    from xietong.documents.downloads import download_audited

    from .documents import application_render_pdf

    actor, case = _case(request, case_id)
    if not may_report_payments(actor, case):
        raise NotFound(_("No such application."))  # the creditor's document, through the API
    application = EnforcementApplication.objects.filter(case=case, pk=application_id).first()
    if application is None:
        raise NotFound(_("No such application."))
    return download_audited(
        request,
        obj=application,
        case=case,
        document="enforcement_application",
        content=application_render_pdf(application),
        filename=f"enforcement-{case.pk}.pdf",
        actor=actor,
        details={"format": "pdf", "via": "api"},
    )
