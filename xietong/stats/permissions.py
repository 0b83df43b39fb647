"""The figures' actions: which audience's dashboard an actor reads (selectors.audience_for)."""

from __future__ import annotations

from typing import Any

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role


def audience_kind(actor: Any) -> str | None:
    """The audience whose figures this actor reads: the center, a court (its staff), the regulators, an
    institution (its operators and API clients), a mediator; None (parties, station agents, nobody)."""
    role = actor_role(actor)
    org = getattr(actor, "organisation_id", None)
    if role == Role.CENTER_ADMIN:
        return "center"
    if role in (Role.CLERK, Role.JUDGE) and org:
        return "court"
    if role == Role.REGULATOR:
        return "regulator"
    if role == Role.INSTITUTION_OPERATOR and org:
        return "institution"
    if role == Role.MEDIATOR:
        return "mediator"
    return None


def _dashboard(actor: Any, obj: Any = None) -> bool:
    return audience_kind(actor) is not None


PERMISSIONS: dict[str, Predicate] = {
    # The dashboard: every role with an audience (parties and station agents have none).
    "stats.dashboard": _dashboard,
}
