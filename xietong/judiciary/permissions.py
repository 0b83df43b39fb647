"""The judiciary's actions: the court's judges and clerks, the plaintiff who asks for filing."""

from __future__ import annotations

from typing import Any

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles
from xietong.cases.choices import PartyRole
from xietong.cases.permissions import actor_person_id

from .choices import FilingChannel

APPLICANT_ROLES = (PartyRole.APPLICANT, PartyRole.PLAINTIFF)


def _of_court(actor: Any, case: Any) -> bool:
    return case is None or getattr(actor, "organisation_id", None) == case.court_id


def _judge(actor: Any, case: Any = None) -> bool:
    """A judge of the case's court: confirms agreements, hears the case, records the outcome."""
    return actor_role(actor) == Role.JUDGE and _of_court(actor, case)


def _court(actor: Any, case: Any = None) -> bool:
    """The clerks and judges of the case's court: file the case, schedule and record hearings."""
    return actor_role(actor) in (Role.CLERK, Role.JUDGE) and _of_court(actor, case)


def plaintiff_channel(actor: Any, party: Any) -> str | None:
    """How `actor` asks for filing for the applicant-side `party`: as the person (or the relative
    acting for them), as the institution's operator or its API client; None if not for that party."""
    role = actor_role(actor)
    if role == Role.PARTY:
        pid = actor_person_id(actor)
        return FilingChannel.PARTY if pid is not None and pid in (party.person_id, party.agent_id) else None
    if role != Role.INSTITUTION_OPERATOR:
        return None
    if party.organisation_id is None or party.organisation_id != getattr(actor, "organisation_id", None):
        return None
    return FilingChannel.API if getattr(actor, "actor_kind", "user") == "api_client" else FilingChannel.INSTITUTION


def applicants_of(case: Any) -> list[Any]:
    return [p for p in case.parties.all() if p.role in APPLICANT_ROLES]


def _sue(actor: Any, case: Any = None) -> bool:
    """The plaintiff (the applicant side) asks that a failed mediation be filed (with a case: theirs)."""
    if actor_role(actor) not in (Role.PARTY, Role.INSTITUTION_OPERATOR):
        return False
    return case is None or any(plaintiff_channel(actor, p) for p in applicants_of(case))


def _paper_request(actor: Any, case: Any = None) -> bool:
    """The plaintiff's request handed in on paper: recorded by the center, or a clerk of the case's court."""
    role = actor_role(actor)
    return role == Role.CENTER_ADMIN or (role == Role.CLERK and _of_court(actor, case))


def _request_filing(actor: Any, case: Any = None) -> bool:
    return _sue(actor, case) or _paper_request(actor, case)


PERMISSIONS: dict[str, Predicate] = {
    "judiciary.worklist": for_roles(Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE),
    "judiciary.judge": _judge,
    "judiciary.file": _court,
    "judiciary.sue_as_institution": for_roles(Role.INSTITUTION_OPERATOR),  # the API's route for filing
    "judiciary.record_paper_request": _paper_request,
    "judiciary.request_filing": _request_filing,  # either
}
