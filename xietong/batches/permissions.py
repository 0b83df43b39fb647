"""Who may work with batches: an institution's operators with their own, the center admin with any."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import Organisation
from xietong.accounts.permissions import Predicate, actor_role, for_roles, may, restrict_to_own_institution

BATCH_ROLES = frozenset({Role.INSTITUTION_OPERATOR, Role.CENTER_ADMIN})


def _use_batches(actor: Any, obj: Any = None) -> bool:
    role = actor_role(actor)
    if role == Role.INSTITUTION_OPERATOR:
        return getattr(actor, "organisation_id", None) is not None
    return role == Role.CENTER_ADMIN


def _act_for(actor: Any, institution: Any = None) -> bool:
    """Deliver a batch for `institution`: its own operators, or the center for any institution."""
    if not _use_batches(actor):
        return False
    if institution is None:
        return True
    if institution.kind != OrganisationKind.INSTITUTION:
        return False
    return actor_role(actor) == Role.CENTER_ADMIN or actor.organisation_id == institution.pk


PERMISSIONS: dict[str, Predicate] = {
    "batches.use": _use_batches,
    "batches.act_for": _act_for,
    "batches.any_institution": for_roles(Role.CENTER_ADMIN),  # every institution's batches, not one's own
}


def may_use_batches(actor: Any) -> bool:
    return may(actor, "batches.use")


def may_act_for(actor: Any, institution: Organisation) -> bool:
    return may(actor, "batches.act_for", institution)


def restrict_batches(qs: QuerySet[Any], actor: Any) -> QuerySet[Any]:
    """The one rule for batches, their rows and mappings (each has an `institution` or `batch__institution`)."""
    return restrict_to_own_institution(qs, actor, "institution_id")
