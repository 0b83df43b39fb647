"""The repayment's actions: the creditor reports and applies, the debtor declares and asks, the case's
mediator revises the plan, the court suspends and enforces."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, actor_role, for_roles, may

COURT_SIDE = (Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE)


def _report_payments(actor: Any, case: Any = None) -> bool:
    """The creditor: an operator (or API client) of the case's own institution."""
    if actor_role(actor) != Role.INSTITUTION_OPERATOR:
        return False
    return case is None or (
        case.institution_id is not None and getattr(actor, "organisation_id", None) == case.institution_id
    )


def _case_mediator(actor: Any, case: Any = None) -> bool:
    """The mediator assigned to the case (any mediator, without a case)."""
    return actor_role(actor) == Role.MEDIATOR and (case is None or case.mediator_id == getattr(actor, "pk", None))


def _court(actor: Any, obj: Any = None) -> bool:
    return actor_role(actor) in COURT_SIDE


def _settle_declarations(actor: Any, case: Any = None) -> bool:
    """A declared payment the creditor disputed: the case's mediator, or the court's staff."""
    return _case_mediator(actor, case) or _court(actor)


def _acknowledge_debt(actor: Any, case: Any = None) -> bool:
    """The debtor's written acknowledgement of the debt: recorded by the creditor or the court."""
    return _report_payments(actor, case) or _court(actor)


def _sign_at_counter(actor: Any, case: Any = None) -> bool:
    """The debtor's paper signature of a new plan: the case's mediator, or the center's staff."""
    return _case_mediator(actor, case) or actor_role(actor) in (Role.CENTER_ADMIN, Role.CLERK)


def _declare_payments(actor: Any, case: Any = None) -> bool:
    """A citizen party who may see the case: the debtor, or the relative acting for them."""
    return actor_role(actor) == Role.PARTY and (case is None or may(actor, "cases.view", case))


def _payment_files(actor: Any, obj: Any = None) -> bool:
    """An institution's operator or API client: it reports the payments of its own cases in bulk."""
    return actor_role(actor) == Role.INSTITUTION_OPERATOR and getattr(actor, "organisation_id", None) is not None


PERMISSIONS: dict[str, Predicate] = {
    # The mediator's too: declarations disputed by a creditor and requests for more time come to them.
    "repayment.worklist": for_roles(
        Role.CENTER_ADMIN, Role.INSTITUTION_OPERATOR, Role.CLERK, Role.JUDGE, Role.MEDIATOR
    ),
    # The performance rates per creditor on the worklist: the court's side (an institution sees its own).
    "repayment.every_creditor": _court,
    "repayment.mine": for_roles(Role.PARTY),  # the debtor's (or the acting relative's) own plans
    "repayment.report_payments": _report_payments,  # and apply for enforcement: the creditor
    "repayment.answer_declarations": _report_payments,  # confirm or dispute what the debtor declared
    "repayment.sign_as_creditor": _report_payments,  # agree to a new plan for the creditor
    "repayment.payment_files": _payment_files,
    "repayment.declare_payments": _declare_payments,
    "repayment.settle_declarations": _settle_declarations,
    "repayment.ask_for_time": for_roles(Role.PARTY),  # the debtor, or the relative acting for them
    "repayment.sign_as_debtor": for_roles(Role.PARTY),  # agree to a new plan with a code sent to the phone
    # Draft and withdraw a new plan, answer a request for more time (or record one the debtor made).
    "repayment.revise": _case_mediator,
    "repayment.sign_at_counter": _sign_at_counter,
    "repayment.acknowledge_debt": _acknowledge_debt,
    # The limitation clock of a debt: everyone on the case but the debtor's side.
    "repayment.limitation": for_roles(
        Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE, Role.MEDIATOR, Role.INSTITUTION_OPERATOR, Role.STATION_AGENT
    ),
    "repayment.suspend": _court,  # a hardship suspension
    "repayment.enforce": _court,  # accept an application for enforcement, record how enforcement ended
    # The application for enforcement as a document: the creditor's and the court's, not the debtor's.
    "repayment.enforcement_documents": for_roles(
        Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE, Role.MEDIATOR, Role.INSTITUTION_OPERATOR, Role.STATION_AGENT
    ),
}


def restrict_payments(qs: QuerySet[Any], actor: Any) -> QuerySet[Any]:
    """Payments of a case the actor sees: an institution only those it reported; regulators none."""
    role = actor_role(actor)
    if role == Role.INSTITUTION_OPERATOR:
        return qs.filter(institution_id=getattr(actor, "organisation_id", None))
    if role in (None, Role.REGULATOR):
        return qs.none()
    return qs
