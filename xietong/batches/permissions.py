"""Who may work with batches: an institution's operators with their own, the center admin with any."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import Organisation
from xietong.cases.permissions import actor_role

BATCH_ROLES = frozenset({Role.INSTITUTION_OPERATOR, Role.CENTER_ADMIN})


def may_use_batches(actor: Any) -> bool:
    role = actor_role(actor)
    if role == Role.INSTITUTION_OPERATOR:
        return getattr(actor, "organisation_id", None) is not None
    return role == Role.CENTER_ADMIN


def may_act_for(actor: Any, institution: Organisation) -> bool:
    if institution.kind != OrganisationKind.INSTITUTION or not may_use_batches(actor):
        return False
    return actor_role(actor) == Role.CENTER_ADMIN or actor.organisation_id == institution.pk


def restrict_batches(qs: QuerySet[Any], actor: Any) -> QuerySet[Any]:
    """The one rule for batches, their rows and mappings (each has an `institution` or `batch__institution`)."""
    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return qs
    if role == Role.INSTITUTION_OPERATOR and getattr(actor, "organisation_id", None):
        return qs.filter(institution_id=actor.organisation_id)
    return qs.none()
