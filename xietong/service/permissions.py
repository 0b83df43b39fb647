"""The service's actions: who sends documents, records their service, receives them."""

from __future__ import annotations

from typing import Any

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles
from xietong.audit.services import ActorRef
from xietong.cases.permissions import actor_person_id


def is_system(actor: Any) -> bool:
    return actor is None or (isinstance(actor, ActorRef) and actor.kind == "system")


def send_predicate(actor: Any, case: Any = None) -> bool:
    """The center, the court holding the case, its mediator and the platform itself send documents."""
    if is_system(actor):
        return True
    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return True
    if role in (Role.CLERK, Role.JUDGE):
        return case is None or bool(actor.organisation_id == case.court_id)
    if role == Role.MEDIATOR:
        return case is None or bool(case.mediator_id is not None and actor.pk == case.mediator_id)
    return False


def record_predicate(actor: Any, case: Any = None) -> bool:
    """Outcomes of attempts and alternatives are recorded by the court's clerks and judges, or the center."""
    if is_system(actor):
        return True
    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return True
    return role in (Role.CLERK, Role.JUDGE) and (case is None or actor.organisation_id == case.court_id)


def _send_for(actor: Any, sender: Any = None) -> bool:
    """Send a notice for an organisation (a court's judicial suggestion): its clerks and judges, the center
    and the platform itself."""
    if is_system(actor):
        return True
    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return True
    return role in (Role.CLERK, Role.JUDGE) and (sender is None or actor.organisation_id == sender.pk)


def _receive(actor: Any, record: Any = None) -> bool:
    """The party served (or the relative acting for them), or an operator of the institution served."""
    role = actor_role(actor)
    if role not in (Role.PARTY, Role.INSTITUTION_OPERATOR):
        return False
    if record is None:
        return True
    party = record.recipient
    if role == Role.INSTITUTION_OPERATOR:
        return party.organisation_id is not None and party.organisation_id == actor.organisation_id
    person_id = actor_person_id(actor)
    return person_id is not None and person_id in (party.person_id, party.agent_id)


PERMISSIONS: dict[str, Predicate] = {
    "service.send": send_predicate,  # send a document for service (on a case: its court, its mediator)
    "service.record": record_predicate,  # record attempts and alternatives (the court holding the case)
    "service.send_for": _send_for,  # a notice of an organisation (with one: its own staff)
    # Be served a case's document (with a service record: that one). The parties and the institutions
    # see only the records of what was served on them; everyone else on the case sees every record.
    "service.receive": _receive,
    # An organisation's notice opened by its people: an institution's operators, a regulator's staff.
    "service.receive_for_organisation": for_roles(Role.INSTITUTION_OPERATOR, Role.REGULATOR),
    # Service failures per institution (story 5): the courts and the center every institution, an
    # institution's operators their own, regulators the same figures.
    "service.failures": for_roles(Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE, Role.REGULATOR, Role.INSTITUTION_OPERATOR),
    "service.every_institution": for_roles(Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE, Role.REGULATOR),
}
