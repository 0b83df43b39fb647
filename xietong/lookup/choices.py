"""What a party is told about each state of their case: the next step, in plain words."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xietong.cases.choices import CaseState

NEXT_STEP: dict[CaseState, str | Promise] = {
    CaseState.SUBMITTED: _("Waiting for triage: the center will sort the case into a channel and a track shortly."),
    CaseState.TRIAGED: _("Waiting for a mediator: one will be assigned and will contact both sides."),
    CaseState.MEDIATING: _(
        "In mediation: the mediator works with both sides; answer their calls and join the sessions."
    ),
    CaseState.AGREEMENT: _("An agreement was signed: a judge will now review it for judicial confirmation."),
    CaseState.CONFIRMED: _("The agreement is judicially confirmed: repayment starts according to the plan."),
    CaseState.PERFORMING: _("Repaying: pay each instalment on time; the institution reports every repayment."),
    CaseState.FULFILLED: _("Fulfilled: everything agreed has been paid. Nothing more to do."),
    CaseState.FAILED: _("Mediation failed: the court will decide whether to file the case for trial."),
    CaseState.FILED: _("Filed for trial: the court will tell you the date of the hearing."),
    CaseState.TRIED: _("Judgment given: follow it, or the winning side may apply for enforcement."),
    CaseState.ENFORCING: _("In enforcement: the court is enforcing the decision."),
    CaseState.CLOSED: _("Closed. Nothing more to do."),
    CaseState.WITHDRAWN: _("Withdrawn. Nothing more to do."),
    CaseState.REJECTED: _("Not accepted: contact the center to learn why and what you can do."),
}

# A case counts as a lawsuit once it is filed, tried or enforced (or has a 民初 number).
SUED_STATES = frozenset({CaseState.FILED, CaseState.TRIED, CaseState.ENFORCING})


def next_step(state: str) -> str:
    return str(NEXT_STEP[CaseState(state)])
