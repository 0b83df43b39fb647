"""Agreements for institutions' systems: read a case's agreement, sign for the institution, get the PDF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Router

from xietong.cases.choices import PartyRole
from xietong.cases.selectors import case_get
from xietong.core.api import ERRORS
from xietong.core.errors import NotFound
from xietong.documents.downloads import download_audited

from .choices import AgreementStatus
from .documents import agreement_render_pdf, default_terms
from .models import Agreement
from .schemas import CaseAgreementOut, SignatureCreatedOut
from .selectors import agreement_current, agreement_get_for_actor, parties_of
from .services import agreement_pdf_ensure, agreement_sign_operator

router = Router(tags=["agreements"])


def agreement_out(a: Agreement) -> dict[str, Any]:
    signatures = list(a.signatures.all())
    signed = {s.case_party_id for s in signatures}
    parties = parties_of(a)
    names = {p.pk: p.name for p in parties}
    return {
        "id": a.pk,
        "case_id": a.case_id,
        "version": a.version,
        "status": a.status,
        "status_label": str(AgreementStatus(a.status).label),
        "total": a.total,
        "waived": a.waived,
        "agreed": a.agreed,
        "first_due": a.first_due,
        "default_clause": a.default_clause,
        "default_terms": default_terms(a),
        "terms": a.terms,
        "drafted_at": a.drafted_at,
        "frozen_at": a.frozen_at,
        "content_hash": a.content_hash,
        "instalments": [{"seq": i.seq, "due_date": i.due_date, "amount": i.amount} for i in a.instalments.all()],
        "signatures": [
            {
                "party_id": s.case_party_id,
                "party": names.get(s.case_party_id, ""),
                "signer": s.signer,
                "method": s.method,
                "signed_at": s.signed_at,
            }
            for s in signatures
        ],
        "parties": [
            {"party_id": p.pk, "name": p.name, "role": str(PartyRole(p.role).label), "signed": p.pk in signed}
            for p in parties
        ],
        "pdf_url": f"/api/v1/agreements/{a.pk}/pdf",
    }


@router.get(
    "/cases/{int:case_id}",
    response={200: CaseAgreementOut, **ERRORS},
    summary="The case's current agreement (the latest version not void), with its plan and signatures",
    url_name="agreements_case",
    operation_id="agreements_case",
)
def agreements_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    case = case_get(actor=actor, pk=case_id)
    if case is None:
        raise NotFound(_("No such case."))
    current = agreement_current(case)
    return {"case_id": case.pk, "agreement": agreement_out(current) if current else None}


def _agreement(request: HttpRequest, agreement_id: int) -> tuple[Any, Agreement]:
    actor = request.auth  # type: ignore[attr-defined]
    agreement = agreement_get_for_actor(actor=actor, pk=agreement_id)
    if agreement is None:
        raise NotFound(_("No such agreement."))
    return actor, agreement


@router.post(
    "/{int:agreement_id}/sign",
    response={200: SignatureCreatedOut, **ERRORS},
    summary="Sign for your institution (idempotent: signing twice returns the same signature)",
    url_name="agreements_sign",
    operation_id="agreements_sign",
)
def agreements_sign(request: HttpRequest, agreement_id: int) -> dict[str, Any]:
    actor, agreement = _agreement(request, agreement_id)
    signature = agreement_sign_operator(actor=actor, agreement=agreement, ip=request.META.get("REMOTE_ADDR"))
    agreement.refresh_from_db()
    return {
        "agreement_id": agreement.pk,
        "party_id": signature.case_party_id,
        "signer": signature.signer,
        "method": signature.method,
        "signed_at": signature.signed_at,
        "agreement_status": agreement.status,
        "content_hash": agreement.content_hash,
    }


@router.get(
    "/{int:agreement_id}/pdf",
    response={200: None, **ERRORS},
    summary="The agreement as PDF (a draft is marked DRAFT); every download is audited",
    url_name="agreements_pdf",
    operation_id="agreements_pdf",
)
def agreements_pdf(request: HttpRequest, agreement_id: int) -> HttpResponseBase:
    actor, agreement = _agreement(request, agreement_id)
    if agreement.content is not None:
        agreement = agreement_pdf_ensure(agreement=agreement)
        with agreement.pdf.open("rb") as fh:
            data = fh.read()
    else:
        data = agreement_render_pdf(agreement)
    return download_audited(
        request,
        actor=actor,
        obj=agreement,
        case=agreement.case,
        document="agreement",
        content=data,
        filename=f"agreement-{agreement.case_id}-v{agreement.version}.pdf",
        sha256=agreement.pdf_sha256 if agreement.content is not None else "",
        details={"format": "pdf", "version": agreement.version, "via": "api"},
    )
