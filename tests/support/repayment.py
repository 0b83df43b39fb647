"""Test helpers (any app's tests may use them): what repayment's guards look for, and a case being repaid."""

from __future__ import annotations

from typing import Any

from xietong.cases.models import Case
from xietong.repayment.choices import ApplicationStatus, BasisKind, EnforcementResult
from xietong.repayment.models import EnforcementApplication

# The transitions whose guards look for this app's records.
GUARDED = frozenset({"enforce", "close"})


def prepare_transition(case: Case | int, code: str, actor: Any) -> None:
    """Record what repayment's guards look for, so that a bare `case_transition(code)` may be taken —
    for the tests of the workflow table itself. Everything else goes through the services."""
    c = Case.objects.get(pk=case.pk if isinstance(case, Case) else case)
    if code == "enforce" and not EnforcementApplication.objects.filter(case=c, status=ApplicationStatus.ACCEPTED):
        assert c.institution_id is not None
        EnforcementApplication.objects.create(
            case=c,
            status=ApplicationStatus.ACCEPTED,
            basis_kind=BasisKind.JUDGMENT,
            basis_number=c.number or "",
            applicant_id=c.institution_id,
            applied_by_label="test",
        )
    if code == "close" and c.state == "enforcing":
        # the result of enforcement recorded (what enforcement_result_record writes before it closes)
        EnforcementApplication.objects.filter(case=c).exclude(status=ApplicationStatus.CLOSED).update(
            status=ApplicationStatus.CLOSED, result=EnforcementResult.PAID_IN_FULL
        )
