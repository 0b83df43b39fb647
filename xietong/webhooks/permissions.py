"""The webhooks' actions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, for_roles, restrict_to_own_institution

PERMISSIONS: dict[str, Predicate] = {
    # An institution's operators manage their institution's endpoints; the center every institution's.
    "webhooks.manage": for_roles(Role.CENTER_ADMIN, Role.INSTITUTION_OPERATOR),
    "webhooks.any_institution": for_roles(Role.CENTER_ADMIN),
}


def restrict_endpoints(qs: QuerySet[Any], actor: Any) -> QuerySet[Any]:
    """The center every institution's endpoints; an institution's operators (and API clients) their own."""
    return restrict_to_own_institution(qs, actor)
