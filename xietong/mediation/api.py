"""Mediation API: offers (list, make, answer) and sessions of a case. Institutions' API clients act for
their institution's side; a party for the debtor; the case's mediator records offers for either side."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from xietong.accounts.permissions import may
from xietong.cases.models import Case
from xietong.core.api import ERRORS
from xietong.core.errors import DomainError, NotAllowed, NotFound

from .models import Offer
from .schemas import OfferAnswerIn, OfferCreateIn, OfferOut, SessionOut
from .selectors import offers_for, session_participants, sessions_for, viewer_timezone
from .services import OfferTerms, offer_answer, offer_make

router = Router(tags=["mediation"])


def _case(actor: Any, case_id: int) -> Case:
    case = Case.objects.restrict(actor).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case."))
    return case


def _offer_out(o: Offer) -> dict[str, Any]:
    return {
        "id": o.pk,
        "case_id": o.case_id,
        "side": o.side,
        "side_label": o.get_side_display(),
        "made_by": o.made_by,
        "total": o.total,
        "instalments": o.instalments,
        "monthly": o.monthly,
        "first_payment_on": o.first_payment_on,
        "waived": o.waived,
        "note": o.note,
        "status": o.status,
        "status_label": o.get_status_display(),
        "parent_id": o.parent_id,
        "created_at": o.created_at,
        "answered_at": o.answered_at,
        "answered_by": o.answered_by,
    }


def _offerer(request: HttpRequest) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    if not may(actor, "mediation.offer"):
        raise NotAllowed(_("Only the parties and the case's mediator make and answer offers."), code="offer_role")
    return actor


@router.get(
    "/cases/{int:case_id}/offers",
    response={200: list[OfferOut], **ERRORS},
    summary="A case's offers and counter-offers, oldest first",
    operation_id="mediation_offers_list",
    url_name="mediation_offers_list",
)
def mediation_offers_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = _case(request.auth, case_id)  # type: ignore[attr-defined]
    return [_offer_out(o) for o in offers_for(case)]


@router.post(
    "/cases/{int:case_id}/offers",
    response={201: OfferOut, **ERRORS},
    summary="Make an offer (an institution's client for the institution, a party for the debtor)",
    operation_id="mediation_offers_create",
    url_name="mediation_offers_create",
)
def mediation_offers_create(request: HttpRequest, case_id: int, body: OfferCreateIn) -> tuple[int, dict[str, Any]]:
    actor = _offerer(request)
    case = _case(actor, case_id)
    offer = offer_make(
        actor=actor,
        case=case,
        side=body.side,
        terms=OfferTerms(
            total=body.total,
            instalments=body.instalments,
            first_payment_on=body.first_payment_on,
            waived=body.waived,
            note=body.note,
        ),
    )
    return 201, _offer_out(offer)


@router.post(
    "/offers/{int:offer_id}/answer",
    response={200: OfferOut, 201: OfferOut, **ERRORS},
    summary="Accept, reject or counter an open offer (only the other side answers; accepting twice is harmless)",
    operation_id="mediation_offers_answer",
    url_name="mediation_offers_answer",
)
def mediation_offers_answer(request: HttpRequest, offer_id: int, body: OfferAnswerIn) -> tuple[int, dict[str, Any]]:
    actor = _offerer(request)
    offer = Offer.objects.filter(pk=offer_id, case__in=Case.objects.restrict(actor)).first()
    if offer is None:
        raise NotFound(_("No such offer."))
    counter = None
    if body.answer == "counter":
        if body.counter is None:
            raise DomainError(_("A counter-offer needs its terms."), code="counter_terms")
        counter = OfferTerms(
            total=body.counter.total,
            instalments=body.counter.instalments,
            first_payment_on=body.counter.first_payment_on,
            waived=body.counter.waived,
            note=body.counter.note,
        )
    result = offer_answer(actor=actor, offer=offer, answer=body.answer, counter=counter)
    return (201 if body.answer == "counter" else 200), _offer_out(result)


@router.get(
    "/cases/{int:case_id}/sessions",
    response={200: list[SessionOut], **ERRORS},
    summary="A case's mediation sessions, with the time in the caller's and each participant's time zone",
    operation_id="mediation_sessions_list",
    url_name="mediation_sessions_list",
)
def mediation_sessions_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]
    case = _case(actor, case_id)
    tz_name = viewer_timezone(actor)
    sessions = list(sessions_for(case))
    participants = session_participants(case) if sessions else []
    return [
        {
            "id": s.pk,
            "case_id": s.case_id,
            "starts_at": s.starts_at,
            "your_time": s.local_time(tz_name),
            "your_timezone": tz_name,
            "duration_minutes": s.duration_minutes,
            "mode": s.mode,
            "meeting_link": s.meeting_link,
            "place": s.place,
            "status": s.status,
            "participants": [
                {"name": p.name, "role": p.role, "timezone": p.timezone, "local_time": s.local_time(p.timezone)}
                for p in participants
            ],
        }
        for s in sessions
    ]
