"""Service of documents in the API: one case's documents and records; failure figures per institution."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from xietong.accounts.permissions import may
from xietong.audit.services import audit_checkpoint_on_commit
from xietong.cases.selectors import case_get
from xietong.core.api import ERRORS, ApiDateTime
from xietong.core.errors import NotAllowed, NotFound

from .choices import AttemptMethod, DocumentKind, Outcome, RecordStatus
from .models import ServedDocument, ServiceRecord
from .schemas import CaseServiceOut, FailuresOut
from .selectors import (
    address_defects_by_institution,
    failures_by_institution,
    failures_by_month,
    failures_scope,
    service_satisfied,
    service_status,
)
from .services import is_recipient

router = Router(tags=["service"])


def _record_out(r: ServiceRecord) -> dict[str, Any]:
    return {
        "id": r.pk,
        "recipient_party_id": r.recipient_id,
        "recipient": r.recipient.name,
        "recipient_kind": "organisation" if r.recipient.organisation_id else "person",
        "status": r.status,
        "status_label": str(RecordStatus(r.status).label),
        "planned_method": r.planned_method,
        "served_by": r.served_by or None,
        "served_at": r.served_at,
        "opened_at": r.opened_at,
        "address_source": r.address_source,
        "no_confirmed_address": r.no_confirmed_address,
        "alternative_reason": r.alternative_reason,
        "attempts": [
            {
                "id": a.pk,
                "method": a.method,
                "method_label": str(AttemptMethod(a.method).label),
                "at": a.at,
                "outcome": a.outcome,
                "outcome_label": str(Outcome(a.outcome).label),
                "tracking_number": a.tracking_number,
                "note": a.note,
            }
            for a in r.attempts.all()
        ],
    }


def _document_out(d: ServedDocument, records: list[ServiceRecord]) -> dict[str, Any]:
    return {
        "id": d.pk,
        "kind": d.kind,
        "kind_label": str(DocumentKind(d.kind).label),
        "title": d.title,
        "sha256": d.sha256,
        "size": d.size,
        "created_at": d.created_at,
        "records": [_record_out(r) for r in records],
    }


@router.get(
    "/cases/{case_id}",
    response={200: CaseServiceOut, **ERRORS},
    summary="Documents served in one case, with each recipient's record and attempts",
    operation_id="service_case",
    url_name="service_case",
)
def service_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    case = case_get(actor=actor, pk=case_id)
    if case is None:
        raise NotFound(_("No such case."))
    own_only = may(actor, "service.receive")  # the parties and institutions: what was served on them
    documents = []
    for d in service_status(case):
        records = list(d.records.all())
        if own_only:
            records = [r for r in records if is_recipient(actor, r)]
            if not records:
                continue
        documents.append(_document_out(d, records))
    return {
        "case_id": case.pk,
        "number": case.number,
        "documents": documents,
        "hearing_notice_served": service_satisfied(case, DocumentKind.HEARING_NOTICE),
    }


class FailuresQuery(Schema):
    since: ApiDateTime | None = Field(
        None, description="Only attempts from this moment on, with its offset: 2026-11-01T00:00:00+08:00"
    )


@router.get(
    "/failures",
    response={200: FailuresOut, **ERRORS},
    summary="Failed service by institution and reason (aggregates; an institution sees its own)",
    operation_id="service_failures",
    url_name="service_failures",
)
def service_failures(request: HttpRequest, query: Query[FailuresQuery]) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    since = query.since
    allowed, institution = failures_scope(actor)
    if not allowed:
        raise NotAllowed(_("Failure figures are for the center, the regulators and each institution for its own."))
    if may(actor, "audit.signed_export"):  # figures that leave for a regulator: the audit head, signed
        audit_checkpoint_on_commit(reason="export service_failures (API) to regulator")
    return {
        "since": since,
        "by_reason": failures_by_institution(institution=institution, since=since),
        "by_month": failures_by_month(institution=institution, since=since),
        "address_defects": address_defects_by_institution(institution=institution, since=since),
    }
