from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema


class PaymentIn(Schema):
    paid_on: dt.date
    amount: Decimal
    reference: str


class AllocationOut(Schema):
    seq: int
    amount: Decimal


class PaymentOut(Schema):
    id: int
    paid_on: dt.date
    amount: Decimal
    reference: str
    allocation: list[AllocationOut]
    recorded_at: dt.datetime


class PlanInstalmentOut(Schema):
    seq: int
    due_date: dt.date
    amount: Decimal
    paid: Decimal
    waived: Decimal
    outstanding: Decimal
    state: str
    state_label: str


class PlanDefaultTermsOut(Schema):
    grace_days: int
    default_after_missed: int
    accelerate: bool


class PlanOut(Schema):
    id: int
    version: int
    status: str
    status_label: str
    basis_kind: str
    basis_number: str
    total: Decimal
    paid: Decimal
    waived: Decimal
    balance: Decimal
    default_terms: PlanDefaultTermsOut
    defaulted_at: dt.datetime | None
    completed_at: dt.datetime | None
    instalments: list[PlanInstalmentOut]
    payments: list[PaymentOut]


class CaseRepaymentOut(Schema):
    case_id: int
    case_state: str
    plan: PlanOut | None


class PaymentCreatedOut(Schema):
    created: bool
    payment: PaymentOut
    plan: PlanOut


class PaymentRowIn(Schema):
    case_number: str
    paid_on: str
    amount: str
    reference: str


class PaymentFileIn(Schema):
    rows: list[PaymentRowIn]
    record: bool = False


class PaymentRowErrorOut(Schema):
    row: int
    column: str
    code: str
    message: str


class PaymentFileOut(Schema):
    id: int
    status: str
    status_label: str
    rows: int
    rows_with_errors: int
    total_amount: Decimal
    created_at: dt.datetime
    recorded_at: dt.datetime | None
    row_errors: list[PaymentRowErrorOut]


class EnforcementApplicationOut(Schema):
    id: int
    status: str
    status_label: str
    basis_kind: str
    basis_number: str
    amount_outstanding: Decimal
    amount_paid: Decimal
    applied_at: dt.datetime
    accepted_at: dt.datetime | None
    enforcement_number: str
    result: str
    result_amount: Decimal | None
    closed_at: dt.datetime | None
    pdf: str


class CaseEnforcementOut(Schema):
    case_id: int
    case_state: str
    enforceable: bool
    basis_kind: str | None
    basis_number: str | None
    may_apply: bool
    why_not: str
    applications: list[EnforcementApplicationOut]


class EnforcementCreatedOut(Schema):
    created: bool
    application: EnforcementApplicationOut
