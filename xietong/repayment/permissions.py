"""The repayment's actions."""

from __future__ import annotations

from typing import Any

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles


def _report_payments(actor: Any, case: Any = None) -> bool:
    """The creditor: an operator (or API client) of the case's own institution."""
    if actor_role(actor) != Role.INSTITUTION_OPERATOR:
        return False
    return case is None or (
        case.institution_id is not None and getattr(actor, "organisation_id", None) == case.institution_id
    )


PERMISSIONS: dict[str, Predicate] = {
    # The mediator's too: declarations disputed by a creditor and requests for more time come to them.
    "repayment.worklist": for_roles(
        Role.CENTER_ADMIN, Role.INSTITUTION_OPERATOR, Role.CLERK, Role.JUDGE, Role.MEDIATOR
    ),
    "repayment.mine": for_roles(Role.PARTY),  # the debtor's (or the acting relative's) own plans
    "repayment.report_payments": _report_payments,  # and apply for enforcement: the creditor
    # The application for enforcement as a document: the creditor's and the court's, not the debtor's.
    "repayment.enforcement_documents": for_roles(
        Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE, Role.MEDIATOR, Role.INSTITUTION_OPERATOR, Role.STATION_AGENT
    ),
}
