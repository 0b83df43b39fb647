"""The outreach's actions: everybody reads; station agents and the center write."""

from __future__ import annotations

from typing import Any

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles

from .choices import AUTHOR_ROLES


def _publish(actor: Any, obj: Any = None) -> bool:
    """Write and publish articles, for the author's own organisation."""
    return actor_role(actor) in AUTHOR_ROLES and getattr(actor, "organisation", None) is not None


PERMISSIONS: dict[str, Predicate] = {
    "outreach.publish": _publish,
    # Publish for a rural station, which has its own public page of articles.
    "outreach.for_station": for_roles(Role.STATION_AGENT),
}
