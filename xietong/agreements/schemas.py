from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema


class InstalmentOut(Schema):
    seq: int
    due_date: dt.date
    amount: Decimal


class SignatureOut(Schema):
    party_id: int
    party: str
    signer: str
    method: str
    signed_at: dt.datetime


class PartyStatusOut(Schema):
    party_id: int
    name: str
    role: str
    signed: bool


class DefaultTermsOut(Schema):
    grace_days: int
    default_after_missed: int
    accelerate: bool


class AgreementOut(Schema):
    id: int
    case_id: int
    version: int
    status: str
    status_label: str
    total: Decimal
    waived: Decimal
    agreed: Decimal
    first_due: dt.date
    default_clause: str
    default_terms: DefaultTermsOut
    terms: str
    drafted_at: dt.datetime
    frozen_at: dt.datetime | None
    content_hash: str
    instalments: list[InstalmentOut]
    signatures: list[SignatureOut]
    parties: list[PartyStatusOut]
    pdf_url: str


class CaseAgreementOut(Schema):
    case_id: int
    agreement: AgreementOut | None


class SignatureCreatedOut(Schema):
    agreement_id: int
    party_id: int
    signer: str
    method: str
    signed_at: dt.datetime
    agreement_status: str
    content_hash: str
