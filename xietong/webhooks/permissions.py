"""The webhooks' actions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles

PERMISSIONS: dict[str, Predicate] = {
    # An institution's operators manage their institution's endpoints; the center every institution's.
    "webhooks.manage": for_roles(Role.CENTER_ADMIN, Role.INSTITUTION_OPERATOR),
    "webhooks.any_institution": for_roles(Role.CENTER_ADMIN),
}


def restrict_endpoints(qs: QuerySet[Any], actor: Any) -> QuerySet[Any]:
    """The center every institution's endpoints; an institution's operators (and API clients) their own."""
    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return qs
    if role == Role.INSTITUTION_OPERATOR and getattr(actor, "organisation_id", None):
        return qs.filter(organisation_id=actor.organisation_id)
    return qs.none()
