"""The case's lifecycle, declared once.

Each transition names the states it may start from, the state it leads to, the roles that may
take it, the checks it makes, and the case number it issues. `case_transition` is the only way
a case changes state: it locks the row, checks everything, writes the timeline and the audit
trail in the same transaction, and raises on anything illegal — never a silent no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import Role

from .choices import CaseState as S
from .choices import NumberKind

Guard = Callable[[Any, Any, str], None]  # (case, actor, note) -> raises DomainError


@dataclass(frozen=True)
class Transition:
    code: str
    label: str | Promise
    sources: frozenset[S]
    target: S
    roles: frozenset[str]
    guards: tuple[Guard, ...] = ()
    issues_number: NumberKind | None = None
    note_required: bool = False
    system_may: bool = False
    tone: str = "primary"
    extra: dict[str, Any] = field(default_factory=dict)


# Guards -------------------------------------------------------------------------------------


def needs_mediator(case: Any, actor: Any, note: str) -> None:
    from xietong.core.errors import DomainError

    if case.mediator_id is None:
        raise DomainError(_("Assign a mediator before mediation starts."), code="no_mediator")


def actor_is_case_mediator(case: Any, actor: Any, note: str) -> None:
    from xietong.core.errors import NotAllowed

    if getattr(actor, "role", None) == Role.MEDIATOR and case.mediator_id != actor.pk:
        raise NotAllowed(_("Only the mediator assigned to this case may do this."), code="not_case_mediator")


def actor_in_case_court(case: Any, actor: Any, note: str) -> None:
    from xietong.core.errors import NotAllowed

    if getattr(actor, "role", None) in (Role.JUDGE, Role.CLERK) and case.court_id != actor.organisation_id:
        raise NotAllowed(_("Only the court that holds this case may do this."), code="other_court")


def judiciary_confirm_ready(case: Any, actor: Any, note: str) -> None:
    from xietong.judiciary.guards import confirm_guard

    confirm_guard(case, actor, note)


def judiciary_refusal_ready(case: Any, actor: Any, note: str) -> None:
    from xietong.judiciary.guards import refuse_confirmation_guard

    refuse_confirmation_guard(case, actor, note)


def judiciary_filing_requested(case: Any, actor: Any, note: str) -> None:
    from xietong.judiciary.guards import file_guard

    file_guard(case, actor, note)


def judiciary_outcome_ready(case: Any, actor: Any, note: str) -> None:
    from xietong.judiciary.guards import try_guard

    try_guard(case, actor, note)


def needs_institution_party(case: Any, actor: Any, note: str) -> None:
    from xietong.core.errors import DomainError

    if case.institution_id is None:
        raise DomainError(_("The case has no institution to file against."), code="no_institution")


def needs_signed_agreement(case: Any, actor: Any, note: str) -> None:
    from xietong.agreements.selectors import agreement_signed_for_case
    from xietong.core.errors import DomainError

    if agreement_signed_for_case(case) is None:
        raise DomainError(
            _("Every party must sign the agreement before the case records it."), code="no_signed_agreement"
        )


# The table ----------------------------------------------------------------------------------

STAFF = frozenset({Role.CENTER_ADMIN, Role.CLERK})
EARLY = frozenset({S.SUBMITTED, S.TRIAGED})

TRANSITIONS: dict[str, Transition] = {
    t.code: t
    for t in (
        Transition(
            "triage",
            _("Triage"),
            frozenset({S.SUBMITTED}),
            S.TRIAGED,
            STAFF,
            guards=(actor_in_case_court,),
            system_may=True,
        ),
        Transition(
            "start_mediation",
            _("Start mediation"),
            frozenset({S.TRIAGED}),
            S.MEDIATING,
            STAFF | {Role.MEDIATOR},
            guards=(needs_mediator, actor_in_case_court, actor_is_case_mediator),
        ),
        # Taken by the system when the last party signs (xietong/agreements/services.py), never by hand.
        Transition(
            "reach_agreement",
            _("Record agreement"),
            frozenset({S.MEDIATING}),
            S.AGREEMENT,
            frozenset(),
            guards=(needs_signed_agreement,),
            system_may=True,
        ),
        Transition(
            "confirm",
            _("Confirm judicially"),
            frozenset({S.AGREEMENT}),
            S.CONFIRMED,
            frozenset({Role.JUDGE}),
            guards=(actor_in_case_court, judiciary_confirm_ready),
            issues_number=NumberKind.CONFIRMATION,
            extra={"dedicated": True},  # the judiciary panel's review form
        ),
        Transition(
            "refuse_confirmation",
            _("Refuse confirmation"),
            frozenset({S.AGREEMENT}),
            S.MEDIATING,
            frozenset({Role.JUDGE}),
            guards=(actor_in_case_court, judiciary_refusal_ready),
            note_required=True,
            tone="danger",
            extra={"dedicated": True},
        ),
        Transition(
            "start_performance",
            _("Start repayment"),
            frozenset({S.CONFIRMED}),
            S.PERFORMING,
            STAFF | {Role.JUDGE},
            guards=(actor_in_case_court,),
            system_may=True,
        ),
        Transition(
            "fulfil",
            _("Mark fulfilled"),
            frozenset({S.PERFORMING}),
            S.FULFILLED,
            STAFF | {Role.INSTITUTION_OPERATOR},
            guards=(actor_in_case_court,),
        ),
        Transition(
            "fail_mediation",
            _("Mediation failed"),
            frozenset({S.MEDIATING}),
            S.FAILED,
            frozenset({Role.MEDIATOR}),
            guards=(actor_is_case_mediator,),
            note_required=True,
            tone="danger",
        ),
        Transition(
            "file",
            _("File for trial"),
            frozenset({S.FAILED}),
            S.FILED,
            STAFF | {Role.JUDGE},
            guards=(actor_in_case_court, needs_institution_party, judiciary_filing_requested),
            issues_number=NumberKind.FIRST_INSTANCE,
            extra={"dedicated": True},
        ),
        Transition(
            "try",
            _("Record judgment"),
            frozenset({S.FILED}),
            S.TRIED,
            frozenset({Role.JUDGE}),
            guards=(actor_in_case_court, judiciary_outcome_ready),
            extra={"dedicated": True},
        ),
        Transition(
            "enforce",
            _("Apply for enforcement"),
            frozenset({S.PERFORMING, S.TRIED}),
            S.ENFORCING,
            STAFF | {Role.JUDGE},
            guards=(actor_in_case_court,),
            issues_number=NumberKind.ENFORCEMENT,
            tone="danger",
        ),
        Transition(
            "close",
            _("Close"),
            frozenset({S.FULFILLED, S.TRIED, S.ENFORCING}),
            S.CLOSED,
            STAFF | {Role.JUDGE},
            guards=(actor_in_case_court,),
        ),
        Transition(
            "withdraw",
            _("Withdraw"),
            EARLY | {S.MEDIATING},
            S.WITHDRAWN,
            STAFF | {Role.PARTY, Role.INSTITUTION_OPERATOR, Role.STATION_AGENT},
            guards=(actor_in_case_court,),
            note_required=True,
            tone="danger",
        ),
        Transition(
            "reject",
            _("Reject"),
            EARLY,
            S.REJECTED,
            STAFF,
            guards=(actor_in_case_court,),
            note_required=True,
            tone="danger",
        ),
    )
}

# States in which the case counts as closed for the figures.
CLOSING_STATES = frozenset({S.FULFILLED, S.CLOSED, S.WITHDRAWN, S.REJECTED})


def transitions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources]
