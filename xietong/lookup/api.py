from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from xietong.cases.choices import CaseState, PartyRole
from xietong.cases.models import Case
from xietong.core.api import ERRORS
from xietong.core.masking import mask_id_number
from xietong.parties.models import Person

from .schemas import LookupOut, StatusCodeIn, StatusCodeOut, StatusOut, StatusVerifyIn
from .selectors import LookupResult
from .services import person_lookup, status_code_request, status_verify

router = Router(tags=["lookup"])


def _as(case: Case, person: Person | None) -> dict[str, Any]:
    """The person's place in the case, as the lookup page shows it: a party (applicant of their own filing,
    respondent of an institution's claim) or the relative acting for one."""
    mine = case.mine if person else []  # type: ignore[attr-defined]
    own = next((p for p in mine if p.person_id == person.pk), None) if person else None
    return {
        "role": own.role if own else None,
        "role_label": str(PartyRole(own.role).label) if own else None,
        "as_agent": any(p.agent_id == person.pk for p in mine) if person else False,
    }


def lookup_out(result: LookupResult) -> dict[str, Any]:
    person = result.person
    return {
        "found": person is not None,
        "name": person.name if person else None,
        "id_number_masked": mask_id_number(result.id_number),
        "any_sued": result.any_sued,
        "debts": [
            {
                "id": d.pk,
                "institution": d.institution.name,
                "product": d.product,
                "contract_masked": d.contract_masked,
                "principal": d.principal,
                "interest": d.interest,
                "penalty": d.penalty,
                "overdue_since": d.overdue_since,
                "reported_at": d.reported_at,
                "case_number": d.case.number if d.case else None,
            }
            for d in result.debts
        ],
        "cases": [
            {
                "id": c.pk,
                "number": c.number,
                "numbers": [n.text for n in c.numbers.all()],
                "state": c.state,
                "state_label": str(CaseState(c.state).label),
                "court": c.court.name,
                "institution": c.institution.name if c.institution else None,
                "total": c.total,
                **_as(c, person),
                "is_lawsuit": bool(c.is_lawsuit),  # type: ignore[attr-defined]
            }
            for c in result.cases
        ],
    }


@router.get(
    "/persons/{id_number}",
    response={200: LookupOut, **ERRORS},
    summary="Pre-filing lookup of a person across all institutions (center and court staff; audited)",
)
def lookup_person(request: HttpRequest, id_number: str) -> dict[str, Any]:
    result = person_lookup(
        actor=request.auth,  # type: ignore[attr-defined]
        id_number=id_number,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return lookup_out(result)


@router.post(
    "/status/code",
    auth=None,
    response={202: StatusCodeOut, **ERRORS},
    summary="Public status check, step 1: send a one-time code to the phone on file of the case",
)
def lookup_status_code(request: HttpRequest, body: StatusCodeIn) -> tuple[int, dict[str, str]]:
    return 202, {"sent_to": status_code_request(number=body.number)}


@router.post(
    "/status/verify",
    auth=None,
    response={200: StatusOut, **ERRORS},
    summary="Public status check, step 2: the bare state and next step, once the code is right",
)
def lookup_status_verify(request: HttpRequest, body: StatusVerifyIn) -> dict[str, str]:
    out = status_verify(number=body.number, code=body.code)
    return {"state": out.state, "state_label": out.state_label, "next_step": out.next_step}
