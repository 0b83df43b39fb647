"""The lookup's actions."""

from __future__ import annotations

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, for_roles

from .choices import LOOKUP_ROLES, OPEN_ROLES, REPORT_ROLES

PERMISSIONS: dict[str, Predicate] = {
    "lookup.use": for_roles(*LOOKUP_ROLES),  # look a person up across every institution
    "lookup.open": for_roles(*OPEN_ROLES),  # open cases from the debts found
    "lookup.report_debt": for_roles(*REPORT_ROLES),  # record an overdue debt
    "lookup.self": for_roles(Role.PARTY),  # a party's own record and own cases
}
