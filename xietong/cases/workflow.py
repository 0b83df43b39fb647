"""The case's lifecycle, declared once.

Each transition names the states it may start from, the state it leads to, the roles that may
take it, the checks it makes (guards, named by key: `cases.registry.registry.guards`, each provided
by the app that owns the rule), the panel whose form takes it, and the case number it issues.
`case_transition` is the only way a case changes state: it locks the row, checks everything, writes
the timeline and the audit trail in the same transaction, and raises on anything illegal — never a
silent no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import Role
from xietong.accounts.permissions import actor_role

from .choices import CaseState as S
from .choices import NumberKind


@dataclass(frozen=True)
class Transition:
    code: str
    label: str | Promise
    sources: frozenset[S]
    target: S
    roles: frozenset[str]
    guards: tuple[str, ...] = ()  # keys in registry.guards, checked in order
    issues_number: NumberKind | None = None
    note_required: bool = False
    system_may: bool = False
    tone: str = "primary"
    panel: str | None = None  # taken through this case-page panel's own form, not a bare button
    assigns_judge: bool = False  # the acting judge becomes the case's judge

    def granted(self, actor: Any) -> bool:
        """Whether the step is granted to the actor's role (the guards then check the case)."""
        return actor_role(actor) in self.roles


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
            guards=("cases.court",),
            system_may=True,
        ),
        Transition(
            "start_mediation",
            _("Start mediation"),
            frozenset({S.TRIAGED}),
            S.MEDIATING,
            STAFF | {Role.MEDIATOR},
            guards=("cases.mediator_assigned", "cases.court", "cases.case_mediator"),
        ),
        # Taken by the system when the last party signs (xietong/agreements/services.py), never by hand.
        Transition(
            "reach_agreement",
            _("Record agreement"),
            frozenset({S.MEDIATING}),
            S.AGREEMENT,
            frozenset(),
            guards=("agreements.signed",),
            system_may=True,
        ),
        Transition(
            "confirm",
            _("Confirm judicially"),
            frozenset({S.AGREEMENT}),
            S.CONFIRMED,
            frozenset({Role.JUDGE}),
            guards=("cases.court", "judiciary.confirm_ready"),
            issues_number=NumberKind.CONFIRMATION,
            panel="judiciary",
            assigns_judge=True,
        ),
        Transition(
            "refuse_confirmation",
            _("Refuse confirmation"),
            frozenset({S.AGREEMENT}),
            S.MEDIATING,
            frozenset({Role.JUDGE}),
            guards=("cases.court", "judiciary.refusal_ready"),
            note_required=True,
            tone="danger",
            panel="judiciary",
        ),
        # From a confirmed agreement, or from a judgment or settlement in court with a payment schedule
        # (taken by the system when the outcome is recorded: xietong/judiciary).
        Transition(
            "start_performance",
            _("Start repayment"),
            frozenset({S.CONFIRMED, S.TRIED}),
            S.PERFORMING,
            STAFF | {Role.JUDGE},
            guards=("cases.court",),
            system_may=True,
        ),
        # Taken by the system when the last fen of the plan is paid (xietong/repayment); by hand only
        # for a case without a plan, or whose plan is repaid.
        Transition(
            "fulfil",
            _("Mark fulfilled"),
            frozenset({S.PERFORMING}),
            S.FULFILLED,
            STAFF | {Role.INSTITUTION_OPERATOR},
            guards=("cases.court", "repayment.plan_repaid"),
            system_may=True,
        ),
        Transition(
            "fail_mediation",
            _("Mediation failed"),
            frozenset({S.MEDIATING}),
            S.FAILED,
            frozenset({Role.MEDIATOR}),
            guards=("cases.case_mediator",),
            note_required=True,
            tone="danger",
        ),
        Transition(
            "file",
            _("File for trial"),
            frozenset({S.FAILED}),
            S.FILED,
            STAFF | {Role.JUDGE},
            guards=("cases.court", "cases.institution_party", "judiciary.filing_requested"),
            issues_number=NumberKind.FIRST_INSTANCE,
            panel="judiciary",
        ),
        Transition(
            "try",
            _("Record judgment"),
            frozenset({S.FILED}),
            S.TRIED,
            frozenset({Role.JUDGE}),
            guards=("cases.court", "judiciary.outcome_ready"),
            panel="judiciary",
            assigns_judge=True,
        ),
        # Opened when the court accepts the creditor's application (xietong/repayment), never one click.
        Transition(
            "enforce",
            _("Open enforcement"),
            frozenset({S.PERFORMING, S.TRIED}),
            S.ENFORCING,
            STAFF | {Role.JUDGE},
            guards=("cases.court", "repayment.application_accepted"),
            issues_number=NumberKind.ENFORCEMENT,
            tone="danger",
            panel="repayment",
        ),
        # From enforcement, only through recording its result (xietong/repayment), which takes this step.
        Transition(
            "close",
            _("Close"),
            frozenset({S.FULFILLED, S.TRIED, S.ENFORCING}),
            S.CLOSED,
            STAFF | {Role.JUDGE},
            guards=("cases.court", "repayment.enforcement_result"),
        ),
        Transition(
            "withdraw",
            _("Withdraw"),
            EARLY | {S.MEDIATING},
            S.WITHDRAWN,
            STAFF | {Role.PARTY, Role.INSTITUTION_OPERATOR, Role.STATION_AGENT},
            guards=("cases.court",),
            note_required=True,
            tone="danger",
        ),
        Transition(
            "reject",
            _("Reject"),
            EARLY,
            S.REJECTED,
            STAFF,
            guards=("cases.court",),
            note_required=True,
            tone="danger",
        ),
    )
}


def transitions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources]
