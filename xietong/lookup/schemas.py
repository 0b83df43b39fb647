"""API schemas of the lookup: the public status check and the staff lookup of a person."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class StatusCodeIn(Schema):
    number: str = Field(..., max_length=64, description="Any number of the case, e.g. （2026）闽0802民诉前调1号")


class StatusCodeOut(Schema):
    sent_to: str = Field(..., description="The phone the code was sent to, masked (also answered for unknown numbers)")


class StatusVerifyIn(Schema):
    number: str = Field(..., max_length=64)
    code: str = Field(..., max_length=6)


class StatusOut(Schema):
    state: str
    state_label: str
    next_step: str


class DebtOut(Schema):
    id: int
    institution: str
    product: str
    contract_masked: str
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    overdue_since: dt.date
    reported_at: dt.datetime
    case_number: str | None


class LookupCaseOut(Schema):
    id: int
    number: str | None
    numbers: list[str]
    state: str
    state_label: str
    court: str
    institution: str | None
    total: Decimal
    role: str | None = Field(
        description="The person's role as a party: applicant (申请人) of their own filing, respondent (被申请人) "
        "of an institution's claim (plaintiff or defendant once filed for trial); none when only acting"
    )
    role_label: str | None
    as_agent: bool = Field(description="The person acts in the case for a relative")
    is_lawsuit: bool


class LookupOut(Schema):
    found: bool
    name: str | None
    id_number_masked: str
    any_sued: bool
    debts: list[DebtOut]
    cases: list[LookupCaseOut]
