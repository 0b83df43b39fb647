"""The risk warnings' actions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles

from .choices import REMIT, Dimension

COURT_SIDE = (Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE)


def _remit(actor: Any) -> frozenset[str]:
    org = getattr(actor, "organisation", None)
    return REMIT.get(org.kind, frozenset()) if org is not None else frozenset()


def _act(actor: Any, warning: Any = None) -> bool:
    """Acknowledge, verify, escalate, resolve: the center any warning, a regulator those in its remit."""
    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return True
    return role == Role.REGULATOR and (warning is None or warning.dimension in _remit(actor))


PERMISSIONS: dict[str, Predicate] = {
    # The warnings within the actor's remit (regulators), about their institution (operators), all (courts).
    "risk.view": for_roles(*COURT_SIDE, Role.REGULATOR, Role.INSTITUTION_OPERATOR),
    "risk.open_cases": for_roles(*COURT_SIDE),  # open the cases behind a warning, and exact small counts
    "risk.names": for_roles(*COURT_SIDE),  # see a named respondent unmasked
    "risk.act": _act,
    "risk.notice": for_roles(*COURT_SIDE, Role.REGULATOR),  # the risk notice (风险提示函)
    "risk.counts": for_roles(*COURT_SIDE, Role.REGULATOR),  # new disputes per stratum over recent weeks
    "risk.every_dimension": for_roles(*COURT_SIDE),  # counted in every dimension (a regulator: its remit)
}


def restrict_warnings(qs: QuerySet[Any], actor: Any) -> QuerySet[Any]:
    """Courts and the center every warning; a regulator those in its remit; an institution those about itself."""
    role = actor_role(actor)
    if role in COURT_SIDE:
        return qs
    if role == Role.REGULATOR:
        return qs.filter(dimension__in=sorted(_remit(actor)))
    if role == Role.INSTITUTION_OPERATOR and getattr(actor, "organisation_id", None):
        return qs.filter(dimension=Dimension.INSTITUTION, institution_id=actor.organisation_id)
    return qs.none()
