"""One permission vocabulary: named actions, each decided by one predicate.

`may(actor, "batches.use")` answers whether `actor` (a user, an API client, or nobody) may take the
action; `may(actor, "service.record", case)` when the answer depends on an object. Views, services,
the API, case panels and the navigation (`{% if user|may:"batches.use" %}`, see
`templatetags/permissions.py`) all ask the same question by the same name, so a menu never shows a
page its reader may not open and a page never refuses what its menu offers.

Each app names its actions `<app>.<verb>` and registers their predicates in its
`AppConfig.ready()` (`permissions_register`); the registry is closed once the apps are ready, like
the case registry (`xietong/cases/registry.py`). A name nobody registered is an error, never a quiet
"no". `accounts` itself registers only what belongs to accounts (the back office); it imports
nothing from the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from .choices import Role

Predicate = Callable[[Any, Any], bool]  # (actor, obj or None) -> may the actor take the action


def actor_role(actor: Any) -> str | None:
    """The role of a signed-in, active actor; None for anyone else."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    if not getattr(actor, "is_active", True):
        return None
    return getattr(actor, "role", None)


@dataclass(frozen=True)
class Permission:
    name: str
    predicate: Predicate
    # The roles the predicate can ever allow (for the documentation and the tests); None: decided otherwise.
    roles: frozenset[str] | None = None


class RoleCheck:
    """A predicate that allows the given roles, whatever the object."""

    def __init__(self, roles: Iterable[str]) -> None:
        self.roles = frozenset(roles)

    def __call__(self, actor: Any, obj: Any = None) -> bool:
        return actor_role(actor) in self.roles

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RoleCheck) and other.roles == self.roles

    def __hash__(self) -> int:
        return hash(self.roles)

    def __repr__(self) -> str:
        return f"RoleCheck({sorted(self.roles)})"


def for_roles(*roles: str) -> RoleCheck:
    return RoleCheck(roles)


class RegistryClosed(ImproperlyConfigured):
    """A registration after start-up: actions are registered in AppConfig.ready() only."""


_registry: dict[str, Permission] = {}


def permission_register(name: str, predicate: Predicate) -> None:
    if apps.ready:
        raise RegistryClosed(f"The permission registry is closed: register {name!r} in AppConfig.ready().")
    app, _, verb = name.partition(".")
    if not app or not verb:
        raise ImproperlyConfigured(f"A permission is named <app>.<verb>, not {name!r}.")
    roles = predicate.roles if isinstance(predicate, RoleCheck) else None
    permission = Permission(name=name, predicate=predicate, roles=roles)
    current = _registry.get(name)
    if current is not None and current != permission:
        raise ImproperlyConfigured(f"The permission {name!r} is registered twice, with different predicates.")
    _registry[name] = permission


def permissions_register(predicates: Mapping[str, Predicate]) -> None:
    for name, predicate in predicates.items():
        permission_register(name, predicate)


def permission_get(name: str) -> Permission:
    try:
        return _registry[name]
    except KeyError:
        raise ImproperlyConfigured(f"No permission is registered as {name!r}.") from None


def permission_names() -> list[str]:
    return sorted(_registry)


def may(actor: Any, name: str, obj: Any = None) -> bool:
    """Whether `actor` may take the action `name` (on `obj`, for the actions that depend on one)."""
    return bool(permission_get(name).predicate(actor, obj))


# The back office (Django's admin site) is the center admin's.
ACCOUNTS_PERMISSIONS: dict[str, Predicate] = {
    "accounts.back_office": for_roles(Role.CENTER_ADMIN),
    # An institution's API clients and their tokens: its operators, and the center for every institution.
    "accounts.api_clients": for_roles(Role.CENTER_ADMIN, Role.INSTITUTION_OPERATOR),
}


def back_office_role(role: str) -> bool:
    """Whether an account of `role` is made staff (and superuser) of the back office when it is created."""
    roles = ACCOUNTS_PERMISSIONS["accounts.back_office"]
    return isinstance(roles, RoleCheck) and role in roles.roles


def restrict_to_own_institution(qs: Any, actor: Any, field: str = "organisation_id") -> Any:
    """An institution's records: every one for the center, an institution's operators (and API clients)
    their own institution's (`field` names it on the rows), nobody else any."""
    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return qs
    if role == Role.INSTITUTION_OPERATOR and getattr(actor, "organisation_id", None):
        return qs.filter(**{field: actor.organisation_id})
    return qs.none()


def restrict_api_clients(qs: Any, actor: Any) -> Any:
    """The API clients an institution's operator sees (their institution's), or every one for the center."""
    return restrict_to_own_institution(qs, actor)
