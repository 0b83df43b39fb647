"""API schemas for institutions filing single disputes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from ninja import Field, Schema
from pydantic import field_validator

from xietong.cases.choices import Product, Wish
from xietong.core.validators import normalize_phone, parse_resident_id, validate_no_formula
from xietong.triage.schemas import TriageResultOut

from .validators import parse_amount


def _message(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


class RespondentIn(Schema):
    name: str = Field(..., min_length=1, max_length=100, description="Full name of the borrower")
    id_number: str = Field(..., description="18-character resident ID number (GB 11643 check digit verified)")
    phone: str = Field("", description="Mainland mobile, or an international number with its country code")
    address: str = Field("", max_length=300)
    country: str = Field("CN", min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code of the address")

    @field_validator("name", "address")
    @classmethod
    def _no_formula(cls, v: str) -> str:
        # As the forms: a name or an address is never text a spreadsheet would run as a formula.
        try:
            validate_no_formula(v.strip())
        except ValidationError as exc:
            raise ValueError(_message(exc)) from None
        return v

    @field_validator("id_number")
    @classmethod
    def _id(cls, v: str) -> str:
        try:
            return parse_resident_id(v).number
        except ValidationError as exc:
            raise ValueError(_message(exc)) from None

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        if not v.strip():
            return ""
        try:
            return normalize_phone(v)
        except ValidationError as exc:
            raise ValueError(_message(exc)) from None

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        return v.upper()


class DisputeIn(Schema):
    respondent: RespondentIn
    product: Product
    principal: str = Field("0", description='Yuan, e.g. "12000.00" or "12,000.00"; never negative')
    interest: str = Field("0", description="Yuan")
    penalty: str = Field("0", description="Yuan")
    contract_number: str = Field("", max_length=64, description="Contract or card number")
    facts: str = Field("", max_length=5000)
    wishes: list[Wish] = Field(default_factory=list, description="What the borrower asked for, if known")

    @field_validator("principal", "interest", "penalty", mode="before")
    @classmethod
    def _amount(cls, v: object) -> str:
        try:
            return str(parse_amount(v))
        except ValidationError as exc:
            raise ValueError(_message(exc)) from None


class DisputeOut(Schema):
    id: int
    number: str | None
    state: str
    state_label: str
    door: str
    institution: str | None
    total: Decimal
    submitted_at: dt.datetime
    triage: TriageResultOut
    next_step: str | None = None


class DisputeCreated(DisputeOut):
    created: bool = Field(..., description="False when an earlier request with the same Idempotency-Key is replayed")
