"""What the judicial transitions of the case workflow check (cases/workflow.py calls these).

- "confirm": the agreement of the case is signed by every party and frozen, and a passing
  ConfirmationReview of exactly that agreement, by the confirming judge, is pending — recorded by
  `confirmation_decide` in the same transaction and not yet tied to a timeline entry.
- "refuse_confirmation": likewise, a pending refusing review by this judge.
- "file": the plaintiff (the applicant side) asked for filing: a FilingRequest is recorded.
- "try": the rule for the outcome of a trial:
    1. a TrialOutcome is recorded for the case (by `trial_outcome_record`);
    2. a judgment needs a hearing marked held;
    3. if any hearing was held, its notice was served: service_satisfied(case, "hearing_notice")
       (served to every party, or a recorded alternative applies).
  A settlement in court (庭前调解) or a withdrawal may end a case before any hearing; a settlement
  after a hearing notice was sent also needs that notice served (checked by the service, which is
  stricter than this guard).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from xietong.core.errors import DomainError

from .choices import HearingStatus, OutcomeKind, ReviewDecision


def _pending_review(case: Any, actor: Any, decision: str, agreement: Any) -> bool:
    from .models import ConfirmationReview

    return ConfirmationReview.objects.filter(
        case_id=case.pk,
        agreement_id=agreement.pk,
        decision=decision,
        judge_id=getattr(actor, "pk", None),
        event__isnull=True,
    ).exists()


def confirm_guard(case: Any, actor: Any, note: str) -> None:
    from xietong.agreements.selectors import agreement_signed_for_case

    agreement = agreement_signed_for_case(case)
    if agreement is None:
        raise DomainError(
            _("The agreement is not signed by every party: there is nothing to confirm."), code="agreement_not_signed"
        )
    if not _pending_review(case, actor, ReviewDecision.CONFIRM, agreement):
        raise DomainError(
            _("Confirm through the review: tick every item of the checklist for the signed agreement."),
            code="no_review",
        )


def refuse_confirmation_guard(case: Any, actor: Any, note: str) -> None:
    from xietong.agreements.selectors import agreement_current

    agreement = agreement_current(case)
    if agreement is None or not _pending_review(case, actor, ReviewDecision.REFUSE, agreement):
        raise DomainError(_("Refuse through the review of the agreement, giving the reasons."), code="no_review")


def file_guard(case: Any, actor: Any, note: str) -> None:
    from .models import FilingRequest

    if not FilingRequest.objects.filter(case_id=case.pk).exists():
        raise DomainError(
            _("The plaintiff has not asked for the case to be filed: record the filing request first."),
            code="no_filing_request",
        )


def try_guard(case: Any, actor: Any, note: str) -> None:
    from .models import Hearing, TrialOutcome

    outcome = TrialOutcome.objects.filter(case_id=case.pk).first()
    if outcome is None:
        raise DomainError(_("Record the outcome of the trial first."), code="no_outcome")
    held = Hearing.objects.filter(case_id=case.pk, status=HearingStatus.HELD).exists()
    if outcome.kind == OutcomeKind.JUDGMENT and not held:
        raise DomainError(_("A judgment needs a hearing that was held."), code="no_hearing_held")
    if held:
        from xietong.service.selectors import service_satisfied

        if not service_satisfied(case, "hearing_notice"):
            raise DomainError(
                _("The hearing notice has not been served on every party."), code="hearing_notice_not_served"
            )
