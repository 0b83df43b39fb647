"""The agreements' actions: the case's mediator drafts and sends; the parties sign online (a party or
the relative acting for them with a code, an institution with one click); the counter records paper."""

from __future__ import annotations

from typing import Any

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles
from xietong.cases.permissions import actor_person_id

COURT_SIDE = (Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE)


def _case_mediator(actor: Any, case: Any = None) -> bool:
    """Draft, send and withdraw a case's agreement: the mediator assigned to it (any mediator, without one)."""
    return actor_role(actor) == Role.MEDIATOR and (case is None or case.mediator_id == getattr(actor, "pk", None))


def counter_signature_predicate(actor: Any, case: Any = None) -> bool:
    """Clerks and the center record paper signatures at the counter; the case's mediator too."""
    role = actor_role(actor)
    if role in (Role.CENTER_ADMIN, Role.CLERK):
        return True
    return role == Role.MEDIATOR and case is not None and case.mediator_id == actor.pk


def _void(actor: Any, case: Any = None) -> bool:
    """Void a version: the case's mediator while it is mediated, the court and the center any."""
    return actor_role(actor) in COURT_SIDE or _case_mediator(actor, case)


def party_may_sign_as(actor: Any, party: Any) -> str:
    """How `actor` may sign for `party` online (the agreement, a new repayment plan): "person", "agent",
    "operator", or "" (not at all).

    The agent counts only while the authorisation recorded on the case party is in force.
    """
    role = actor_role(actor)
    if role == Role.PARTY:
        person_id = actor_person_id(actor)
        if person_id is None or party.person_id is None:
            return ""
        if party.person_id == person_id:
            return "person"
        if party.agent_id == person_id and party.authorisation_id is not None:
            from xietong.parties.selectors import authorisations_active

            if (
                authorisations_active()
                .filter(pk=party.authorisation_id, agent_id=person_id, principal_id=party.person_id)
                .exists()
            ):
                return "agent"
        return ""
    if (
        role == Role.INSTITUTION_OPERATOR
        and party.organisation_id is not None
        and party.organisation_id == getattr(actor, "organisation_id", None)
    ):
        return "operator"
    return ""


PERMISSIONS: dict[str, Predicate] = {
    "agreements.draft": _case_mediator,  # and send it for signing, withdraw a draft
    "agreements.sign_for_institution": for_roles(Role.INSTITUTION_OPERATOR),  # one click, no code
    "agreements.counter_signature": counter_signature_predicate,
    "agreements.void": _void,
}
