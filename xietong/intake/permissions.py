"""The intake's actions: who files through which door."""

from __future__ import annotations

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, for_roles

PERMISSIONS: dict[str, Predicate] = {
    "intake.apply": for_roles(Role.PARTY),  # online, for oneself or a relative
    "intake.counter": for_roles(Role.CENTER_ADMIN, Role.CLERK),
    "intake.station": for_roles(Role.STATION_AGENT),  # for a villager
    "intake.claim": for_roles(Role.PARTY),  # take over a case filed for you (anyone not signed in, too)
}
