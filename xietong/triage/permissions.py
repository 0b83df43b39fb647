"""The triage's actions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles


def _override(actor: Any, case: Any = None) -> bool:
    """The center, and the clerks of the court holding the case, change a case's triage."""
    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return True
    return role == Role.CLERK and (case is None or case.court_id == actor.organisation_id)


PERMISSIONS: dict[str, Predicate] = {
    "triage.worklist": for_roles(Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE),
    "triage.assign": for_roles(Role.CENTER_ADMIN, Role.CLERK),  # assign cases to teams, in bulk
    "triage.override": _override,
    # The triage decision and the rule's reasons on the case page: everyone on the case but its parties.
    "triage.decision": for_roles(
        Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE, Role.MEDIATOR, Role.INSTITUTION_OPERATOR, Role.STATION_AGENT
    ),
}


def restrict_teams(qs: QuerySet[Any], actor: Any) -> QuerySet[Any]:
    """The teams to choose from: the center every court's, everyone else their own court's."""
    if actor_role(actor) == Role.CENTER_ADMIN:
        return qs
    return qs.filter(court_id=getattr(actor, "organisation_id", None))
