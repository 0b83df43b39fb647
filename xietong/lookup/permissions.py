"""The lookup's actions."""

from __future__ import annotations

from typing import Any

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles

# Who may look a person up across all institutions: the center and the court. Mediators see only
# the cases assigned to them (DESIGN.md), so the cross-institution view is not theirs.
LOOKUP_ROLES = frozenset({Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE})
# Who may open cases from the lookup: those who enter disputes at the counter.
OPEN_ROLES = frozenset({Role.CENTER_ADMIN, Role.CLERK})


def _report_debt(actor: Any, institution: Any = None) -> bool:
    """Record an overdue debt: the center for any institution, an institution's operators its own."""
    role = actor_role(actor)
    if role == Role.CENTER_ADMIN:
        return True
    return role == Role.INSTITUTION_OPERATOR and (
        institution is None or getattr(actor, "organisation_id", None) == institution.pk
    )


PERMISSIONS: dict[str, Predicate] = {
    "lookup.use": for_roles(*LOOKUP_ROLES),  # look a person up across every institution
    "lookup.open": for_roles(*OPEN_ROLES),  # open cases from the debts found
    "lookup.report_debt": _report_debt,
    "lookup.self": for_roles(Role.PARTY),  # a party's own record and own cases
}
