"""API: a case's judicial record, and an institution's request that its failed mediation be filed."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router

from xietong.accounts.permissions import may
from xietong.cases.models import Case
from xietong.cases.selectors import case_get
from xietong.core.api import ERRORS
from xietong.core.errors import NotAllowed, NotFound

from .schemas import FilingRequestIn, FilingRequestOut, JudicialRecordOut
from .selectors import judicial_record
from .services import filing_request_create

router = Router(tags=["judiciary"])


def _case(request: HttpRequest, case_id: int) -> Case:
    case = case_get(actor=request.auth, pk=case_id)  # type: ignore[attr-defined]
    if case is None:
        raise NotFound(_("No such case."))
    return case


def _record_out(case: Case) -> dict[str, Any]:
    r = judicial_record(case)
    served = None
    if r.hearings:
        from xietong.service.selectors import service_satisfied

        served = service_satisfied(case, "hearing_notice")
    return {
        "case_id": case.pk,
        "number": case.number,
        "state": case.state,
        "reviews": [
            {
                "id": rv.pk,
                "agreement_id": rv.agreement_id,
                "judge": str(rv.judge),
                "voluntary": rv.voluntary,
                "lawful": rv.lawful,
                "within_jurisdiction": rv.within_jurisdiction,
                "parties_identified": rv.parties_identified,
                "decision": rv.decision,
                "reasons": rv.reasons,
                "decided_at": rv.decided_at,
            }
            for rv in r.reviews
        ],
        "rulings": [
            {
                "id": ru.pk,
                "kind": ru.kind,
                "number": ru.number,
                "judge": str(ru.judge),
                "issued_at": ru.issued_at,
                "sha256": ru.sha256,
                "download_url": reverse("judiciary-ruling-pdf", args=[case.pk, ru.pk]),
            }
            for ru in r.rulings
        ],
        "filing_request": _filing_out(r.filing_request) if r.filing_request else None,
        "hearings": [
            {
                "id": h.pk,
                "starts_at": h.starts_at,
                "place": h.place,
                "online_link": h.online_link,
                "judge": str(h.judge),
                "status": h.status,
            }
            for h in r.hearings
        ],
        "hearing_notice_served": served,
        "outcome": (
            {
                "kind": r.outcome.kind,
                "summary": r.outcome.summary,
                "amount_awarded": r.outcome.amount_awarded,
                "schedule": [{"due_date": d, "amount": a} for d, a in r.outcome.schedule],
                "decided_at": r.outcome.decided_at,
            }
            if r.outcome
            else None
        ),
    }


def _filing_out(fr: Any) -> dict[str, Any]:
    return {
        "plaintiff": fr.party.name,
        "channel": fr.channel,
        "requested_by": fr.requested_by,
        "at": fr.at,
        "note": fr.note,
    }


@router.get(
    "/cases/{case_id}",
    response={200: JudicialRecordOut, **ERRORS},
    operation_id="judiciary_case",
    url_name="judiciary_case",
    summary="A case's judicial record: confirmation reviews, rulings, filing request, hearings, outcome",
)
def judiciary_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return _record_out(_case(request, case_id))


@router.post(
    "/cases/{case_id}/filing-request",
    response={201: FilingRequestOut, **ERRORS},
    operation_id="judiciary_filing_request",
    url_name="judiciary_filing_request",
    summary="The institution (as plaintiff) asks that its failed mediation be filed for trial",
)
def judiciary_filing_request(request: HttpRequest, case_id: int, body: FilingRequestIn) -> tuple[int, dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]
    if not may(actor, "judiciary.sue_as_institution"):
        raise NotAllowed(_("Filing is requested here by the institution that applied for mediation."))
    case = _case(request, case_id)
    fr = filing_request_create(actor=actor, case=case.pk, note=body.note)
    return 201, _filing_out(fr)
