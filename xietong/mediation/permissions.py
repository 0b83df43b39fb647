"""The mediation's actions."""

from __future__ import annotations

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, for_roles

PERMISSIONS: dict[str, Predicate] = {
    "mediation.work": for_roles(Role.MEDIATOR),  # their own cases: contacts, sessions, affordability
    "mediation.pool": for_roles(Role.CENTER_ADMIN, Role.CLERK),  # see the mediators' load
    "mediation.assign": for_roles(Role.CENTER_ADMIN, Role.CLERK),  # assign and reassign mediators
    "mediation.profiles": for_roles(Role.CENTER_ADMIN),  # edit mediators' profiles
    "mediation.offer": for_roles(Role.MEDIATOR, Role.PARTY, Role.INSTITUTION_OPERATOR),  # make and answer offers
    "mediation.timezone": for_roles(Role.MEDIATOR, Role.PARTY),  # set a participant's time zone
}
