"""The mediation's actions."""

from __future__ import annotations

from typing import Any

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles


def _case_mediator(actor: Any, case: Any = None) -> bool:
    """The mediator assigned to the case (any mediator, without a case)."""
    return actor_role(actor) == Role.MEDIATOR and (case is None or case.mediator_id == getattr(actor, "pk", None))


def _worksheet(actor: Any, case: Any = None) -> bool:
    """The assignments and the affordability worksheet of a case: its mediator, and the court's side."""
    return _case_mediator(actor, case) or actor_role(actor) in (Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE)


def _for_institution(actor: Any, case: Any = None) -> bool:
    """Speak for the case's institution in offers: its operators and API clients."""
    if actor_role(actor) != Role.INSTITUTION_OPERATOR:
        return False
    return case is None or (
        case.institution_id is not None and getattr(actor, "organisation_id", None) == case.institution_id
    )


def _in_pool(user: Any, obj: Any = None) -> bool:
    """Who may have a profile in the mediator pool: a mediator's account (active or not)."""
    return getattr(user, "role", None) == Role.MEDIATOR


PERMISSIONS: dict[str, Predicate] = {
    # Their own cases: contacts, sessions, affordability, offers for either side (with a case: its mediator).
    "mediation.work": _case_mediator,
    "mediation.worksheet": _worksheet,
    "mediation.pool": for_roles(Role.CENTER_ADMIN, Role.CLERK),  # see the mediators' load
    "mediation.assign": for_roles(Role.CENTER_ADMIN, Role.CLERK),  # assign and reassign mediators
    "mediation.profiles": for_roles(Role.CENTER_ADMIN),  # edit mediators' profiles
    "mediation.in_pool": _in_pool,
    "mediation.offer": for_roles(Role.MEDIATOR, Role.PARTY, Role.INSTITUTION_OPERATOR),  # make and answer offers
    "mediation.for_debtor": for_roles(Role.PARTY),  # a party speaks for the debtor's side
    "mediation.for_institution": _for_institution,
    "mediation.timezone": for_roles(Role.MEDIATOR, Role.PARTY),  # set a participant's time zone
    # A party's sessions are shown in their own time zone, which they set themselves.
    "mediation.own_timezone": for_roles(Role.PARTY),
}
