"""Test helpers: the judicial path taken through the real services (any app's tests may use them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from xietong.accounts.choices import Role
from xietong.accounts.models import User
from xietong.cases.choices import PartyRole
from xietong.cases.models import Case, CaseParty
from xietong.judiciary.choices import CHECKLIST, FilingChannel, HearingStatus, OutcomeKind, ReviewDecision
from xietong.judiciary.models import ConfirmationReview, FilingRequest, Hearing, TrialOutcome
from xietong.judiciary.services import (
    case_file_for_trial,
    confirmation_decide,
    filing_request_create,
    hearing_schedule,
    hearing_set_status,
    trial_outcome_record,
)

ALL_TICKED: dict[str, Any] = {name: True for name, _label in CHECKLIST}


def _fresh(case: Case | int) -> Case:
    return Case.objects.get(pk=case.pk if isinstance(case, Case) else case)


def ensure_signed_agreement(case: Case, mediator: Any = None) -> Any:
    """The case's signed agreement; drafted and signed through the agreements services if there is none.

    The case must be in mediation (it then moves to AGREEMENT) or already in AGREEMENT with one signed.
    """
    from tests.support.agreements import agreement_make_signed
    from xietong.agreements.selectors import agreement_signed_for_case

    case = _fresh(case)
    agreement = agreement_signed_for_case(case)
    if agreement is None:
        agreement = agreement_make_signed(case, mediator or case.mediator)
    return agreement


def confirm_case(case: Case | int, judge: User, *, start_performance: bool = False, render: bool = False) -> Case:
    """Review the signed agreement with every item ticked and confirm it (the 民特 ruling is issued)."""
    confirmation_decide(
        actor=judge,
        case=case,
        decision=ReviewDecision.CONFIRM,
        start_performance=start_performance,
        render=render,
        **ALL_TICKED,
    )
    return _fresh(case)


def refuse_case(case: Case | int, judge: User, reasons: str = "还款计划显失公平") -> Case:
    confirmation_decide(actor=judge, case=case, decision=ReviewDecision.REFUSE, reasons=reasons, **ALL_TICKED)
    return _fresh(case)


def file_case(case: Case | int, clerk: User, note: str = "原告当庭递交书面立案申请") -> Case:
    """Record the plaintiff's request (on paper, by the clerk) and file the case: 民初 number."""
    filing_request_create(actor=clerk, case=case, note=note)
    return case_file_for_trial(actor=clerk, case=case)


def serve_hearing_notice(case: Case | int, clerk: User) -> None:
    """Every party receives the latest hearing notice in person (recorded by the clerk)."""
    from xietong.service.choices import AttemptMethod, Outcome
    from xietong.service.models import ServedDocument
    from xietong.service.services import service_attempt_record

    case_id = case.pk if isinstance(case, Case) else case
    doc = ServedDocument.objects.filter(case_id=case_id, kind="hearing_notice").order_by("-created_at", "-pk").first()
    assert doc is not None, "no hearing notice was sent"
    for rec in doc.records.all():
        if not rec.is_done:
            service_attempt_record(actor=clerk, record=rec, method=AttemptMethod.IN_PERSON, outcome=Outcome.DELIVERED)


def after_commit() -> Any:
    """Run what the service left for after its commit (the notice's or judgment's rendering and service)
    when the block ends, as a worker would right after the commit."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def schedule_hearing(case: Case | int, clerk: User, judge: User, *, days: int = 7) -> Hearing:
    with after_commit():
        hearing = hearing_schedule(
            actor=clerk,
            case=case,
            starts_at=timezone.now() + dt.timedelta(days=days),
            place="龙岩市新罗区人民法院第三法庭",
            judge=judge,
        )
    return Hearing.objects.get(pk=hearing.pk)


def try_case(
    case: Case | int, judge: User, clerk: User, *, kind: str = OutcomeKind.JUDGMENT, summary: str = ""
) -> Case:
    """Hearing scheduled, its notice served, held, and the outcome recorded (judgment: TRIED)."""
    hearing = schedule_hearing(case, clerk, judge)
    serve_hearing_notice(case, clerk)
    hearing_set_status(actor=judge, hearing=hearing, status=HearingStatus.HELD)
    with after_commit():
        trial_outcome_record(
            actor=judge,
            case=case,
            kind=kind,
            summary=summary or "被告应偿还原告借款本息",
            amount_awarded=_fresh(case).total if kind != OutcomeKind.WITHDRAWAL else None,
        )
    return _fresh(case)


def prepare_transition(case: Case | int, code: str, actor: Any) -> None:
    """Record what the judicial guards look for, so that a bare `case_transition(code)` may then be
    taken — for the tests of the workflow table itself. Everything else goes through the services."""
    c = _fresh(case)
    if code in ("confirm", "refuse_confirmation"):
        agreement = ensure_signed_agreement(c)
        ConfirmationReview.objects.create(
            case=c,
            agreement=agreement,
            judge=actor,
            decision=ReviewDecision.CONFIRM if code == "confirm" else ReviewDecision.REFUSE,
            reasons="" if code == "confirm" else "理由",
            **ALL_TICKED,
        )
    elif code == "file" and not FilingRequest.objects.filter(case=c).exists():
        party = CaseParty.objects.filter(case=c, role=PartyRole.APPLICANT).first() or c.parties.first()
        assert party is not None
        FilingRequest.objects.create(
            case=c, party=party, channel=FilingChannel.PAPER, requested_by="test", note="paper request"
        )
    elif code == "try" and not TrialOutcome.objects.filter(case=c).exists():
        judge = actor if getattr(actor, "role", None) == Role.JUDGE else c.judge
        assert judge is not None
        TrialOutcome.objects.create(case=c, kind=OutcomeKind.WITHDRAWAL, summary="原告撤回起诉", judge=judge)


# The transitions whose guards look for this app's records.
GUARDED = frozenset({"confirm", "refuse_confirmation", "file", "try"})


def judicial_step(case: Case | int, code: str, actor: Any, *, clerk: User) -> None:
    """Take one of the GUARDED steps the way the platform does, through this app's services."""
    if code == "confirm":
        confirm_case(case, actor)
    elif code == "refuse_confirmation":
        refuse_case(case, actor)
    elif code == "file":
        file_case(case, actor)
    elif code == "try":
        try_case(case, actor, clerk)
    else:  # pragma: no cover - a mistake in the calling test
        raise ValueError(code)
