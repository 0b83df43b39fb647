from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import create_model

from xietong.accounts.permissions import may
from xietong.core.api import ERRORS, OFFSET_MAX
from xietong.core.errors import NotAllowed, NotFound

from .choices import CaseState, NumberKind, PartyRole
from .models import Case
from .permissions import court_scope
from .registry import registry
from .schemas import CaseDetail, CaseListOut, CaseStatusOut, OverviewOut, TransitionIn
from .selectors import CaseFilters, case_aggregates, case_by_number, case_get, case_list
from .services import allowed_transitions, case_transition
from .status import case_status_read

router = Router(tags=["cases"])
stats_router = Router(tags=["statistics"])


class CaseQuery(Schema):
    state: CaseState | None = None
    channel: str = ""
    colour: str = ""
    q: str = ""
    limit: int = Field(25, ge=1, le=100, description="At most 100 per page")
    offset: int = Field(0, ge=0, le=OFFSET_MAX)


APPLICANT_SIDE = (PartyRole.APPLICANT, PartyRole.PLAINTIFF)
RESPONDENT_SIDE = (PartyRole.RESPONDENT, PartyRole.DEFENDANT)


def list_item(case: Case) -> dict[str, Any]:
    """Who is who as recorded: an institution's own delivery (batch, API) is its claim (it applies, the
    citizen responds); a citizen's filing (online, for a relative, counter, station) is the reverse."""
    parties = getattr(case, "listed_parties", None)
    if parties is None:
        parties = list(case.parties.all())
    return {
        "id": case.pk,
        "number": case.number,
        "state": case.state,
        "state_label": str(CaseState(case.state).label),
        "product": case.product,
        "category": case.category.name if case.category else None,
        "colour": case.category.colour or None if case.category else None,
        "channel": case.channel,
        "track": case.track,
        "court": case.court.name,
        "institution": case.institution.name if case.institution else None,
        "applicants": [p.name for p in parties if p.role in APPLICANT_SIDE],
        "respondents": [p.name for p in parties if p.role in RESPONDENT_SIDE],
        "total": case.total,
        "submitted_at": case.submitted_at,
        "age_days": case.age_days,
    }


def detail(case: Case, actor: Any) -> dict[str, Any]:
    """`case` was read through `case_get` (restricted to what the actor may see)."""
    parties = []
    for p in case.parties.all():
        parties.append(
            {
                "id": p.pk,
                "role": p.role,
                "role_label": str(PartyRole(p.role).label),
                "kind": "person" if p.person_id else "organisation",
                "name": p.name,
                "id_number_masked": p.person.id_number_masked if p.person else None,
                "phone_masked": p.person.phone_masked if p.person else None,
                "acting_relative": p.agent.name if p.agent else None,
            }
        )
    return {
        **list_item(case),
        "door": case.door,
        "principal": case.principal,
        "interest": case.interest,
        "penalty": case.penalty,
        "mediator": str(case.mediator) if case.mediator else None,
        "judge": str(case.judge) if case.judge else None,
        "team": str(case.team) if case.team else None,
        "closed_at": case.closed_at,
        "parties": parties,
        "numbers": [
            {"kind": n.kind, "kind_label": str(NumberKind(n.kind).label), "text": n.text, "assigned_at": n.assigned_at}
            for n in case.numbers.all()
        ],
        "events": [
            {
                "at": e.at,
                "kind": e.kind,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "by": e.actor_label,
                "note": e.detail,
            }
            for e in case.events.all()
        ],
        "allowed_transitions": [
            {"code": t.code, "label": str(t.label), "note_required": t.note_required}
            for t in allowed_transitions(case=case, actor=actor, visible=True)
        ],
    }


@router.get("", response={200: CaseListOut, **ERRORS}, summary="Cases the caller may see, newest first")
def cases_list(request: HttpRequest, query: Query[CaseQuery]) -> dict[str, Any]:
    limit, offset = query.limit, query.offset
    filters = CaseFilters(
        state=query.state.value if query.state else "", channel=query.channel, colour=query.colour, q=query.q
    )
    rows = list(case_list(actor=request.auth, filters=filters)[offset : offset + limit + 1])  # type: ignore[attr-defined]
    return {
        "items": [list_item(c) for c in rows[:limit]],
        "limit": limit,
        "offset": offset,
        "has_more": len(rows) > limit,
    }


@router.get("/by-number", response={200: CaseDetail, **ERRORS}, summary="Find a case by any of its numbers")
def cases_by_number(request: HttpRequest, number: str) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    found = case_by_number(actor=actor, number=number)
    case = case_get(actor=actor, pk=found.pk) if found else None
    if case is None:
        raise NotFound(_("No case with this number is visible to you."))
    return detail(case, actor)


@router.get("/{case_id}", response={200: CaseDetail, **ERRORS}, summary="One case with parties and timeline")
def cases_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    case = case_get(actor=actor, pk=case_id)
    if case is None:
        raise NotFound(_("No such case."))
    return detail(case, actor)


def status_schema() -> type[Schema]:
    """`CaseStatusOut` with the sections the apps registered (`registry.status_parts`), each nullable."""
    sections: dict[str, Any] = {key: (part.schema | None, ...) for key, part in registry.status_parts.items()}
    return create_model("CaseStatus", __base__=CaseStatusOut, __doc__=CaseStatusOut.__doc__, **sections)


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match (RFC 9110 13.1.2): any of the listed tags, compared weakly, or "*"."""
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


@router.get(
    "/{case_id}/status",
    response={200: status_schema(), 304: None, **ERRORS},
    summary="The case's status, for polling",
    description=(
        "What a bank polling its cases needs, kept ready: numbers, state, latest step, next date, the hearing "
        "scheduled, repayment. "
        "Answers with an `ETag`; send it back in `If-None-Match` and the answer is `304 Not Modified` while "
        "the case has not changed. Labels are given in every language of the platform."
    ),
)
def cases_status(request: HttpRequest, case_id: int) -> HttpResponse:
    doc = case_status_read(case_id)
    if not may(request.auth, "cases.view_status", doc):  # type: ignore[attr-defined]
        raise NotFound(_("No such case."))
    assert doc is not None
    etag = f'"{doc.etag}"'
    if etag_matches(request.headers.get("If-None-Match", ""), etag):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(doc.body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"  # the caller's own: ask again, with the ETag
    return response


@router.post(
    "/{case_id}/transitions", response={200: CaseDetail, **ERRORS}, summary="Take a step of the case's workflow"
)
def cases_transition(request: HttpRequest, case_id: int, body: TransitionIn) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    if case_get(actor=actor, pk=case_id) is None:
        raise NotFound(_("No such case."))
    case_transition(case=case_id, code=body.code, actor=actor, note=body.note)
    case = case_get(actor=actor, pk=case_id)
    assert case is not None
    return detail(case, actor)


@stats_router.get("/overview", response={200: OverviewOut, **ERRORS}, summary="Aggregate figures, no personal data")
def stats_overview(request: HttpRequest) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    if not may(actor, "cases.stats"):
        raise NotAllowed(_("Aggregate figures are for the center, the courts and the regulators."))
    court_id = court_scope(actor)
    data = case_aggregates(court_id=court_id)
    # Amounts as strings with two decimals (yuan), never a float or eight decimals.
    data["amount"] = f"{Decimal(data['amount']):.2f}"
    for row in data["by_institution"]:
        row["amount"] = f"{Decimal(row['amount'] or 0):.2f}"
    return data
