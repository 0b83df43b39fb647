"""The outreach's actions: everybody reads; station agents and the center write."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles

# Station agents write for their station, the center for the center (its court). Others only read.
AUTHOR_ROLES = frozenset({Role.STATION_AGENT, Role.CENTER_ADMIN})


def _publish(actor: Any, obj: Any = None) -> bool:
    """Write and publish articles, for the author's own organisation."""
    return actor_role(actor) in AUTHOR_ROLES and getattr(actor, "organisation", None) is not None


PERMISSIONS: dict[str, Predicate] = {
    "outreach.write": for_roles(*AUTHOR_ROLES),  # the authors, whatever their account's organisation
    "outreach.publish": _publish,
    # Publish for a rural station, which has its own public page of articles.
    "outreach.for_station": for_roles(Role.STATION_AGENT),
}


def restrict_manage(qs: QuerySet[Any], actor: Any) -> QuerySet[Any]:
    """The ONE rule for changing articles: the center manages every article, a station agent
    only their own station's, everybody else none."""
    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return qs
    if role == Role.STATION_AGENT and getattr(actor, "organisation_id", None):
        return qs.filter(organisation_id=actor.organisation_id)
    return qs.none()
