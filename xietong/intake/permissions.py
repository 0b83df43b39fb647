"""The intake's actions: who files through which door, and who may open what a relative filed under."""

from __future__ import annotations

from typing import Any

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles
from xietong.cases.permissions import actor_person_id


def _authorisation(actor: Any, authorisation: Any = None) -> bool:
    """Open the document of an authorisation a relative acts under: the person who gave it and the relative
    who holds it; the center; a court's staff and a mediator who may see a case it is used in. Never an
    institution, a station or a regulator: it is the family's paper, not the dispute's."""
    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return True
    if role == Role.PARTY:
        if authorisation is None:
            return True
        person_id = actor_person_id(actor)
        return person_id is not None and person_id in (authorisation.principal_id, authorisation.agent_id)
    if role in (Role.CLERK, Role.JUDGE, Role.MEDIATOR):
        if authorisation is None:
            return True
        from xietong.cases.models import Case

        return Case.objects.restrict(actor).filter(parties__authorisation=authorisation).exists()
    return False


PERMISSIONS: dict[str, Predicate] = {
    "intake.apply": for_roles(Role.PARTY),  # online, for oneself or a relative
    "intake.counter": for_roles(Role.CENTER_ADMIN, Role.CLERK),
    "intake.station": for_roles(Role.STATION_AGENT),  # for a villager
    "intake.claim": for_roles(Role.PARTY),  # take over a case filed for you (anyone not signed in, too)
    "intake.authorisation": _authorisation,  # the signed authorisation a relative acts under
}
