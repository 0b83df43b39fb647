"""The risk warnings' actions."""

from __future__ import annotations

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, for_roles

COURT_SIDE = (Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE)

PERMISSIONS: dict[str, Predicate] = {
    # The warnings within the actor's remit (regulators), about their institution (operators), all (courts).
    "risk.view": for_roles(*COURT_SIDE, Role.REGULATOR, Role.INSTITUTION_OPERATOR),
    "risk.open_cases": for_roles(*COURT_SIDE),  # open the cases behind a warning
    "risk.names": for_roles(*COURT_SIDE),  # see a named respondent unmasked
    "risk.act": for_roles(Role.REGULATOR, Role.CENTER_ADMIN),  # acknowledge, verify, escalate, resolve
    "risk.notice": for_roles(*COURT_SIDE, Role.REGULATOR),  # the risk notice (风险提示函)
}
