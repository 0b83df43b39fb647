"""The judicial path through its services: confirmation, refusal, filing, hearings, outcome — every
guard and permission, and that a refused request changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.support.judiciary import (
    ALL_TICKED,
    confirm_case,
    file_case,
    schedule_hearing,
    serve_hearing_notice,
    try_case,
)
from xietong.agreements.choices import AgreementStatus
from xietong.agreements.models import Agreement
from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import audit_verify
from xietong.cases.choices import CaseState as S
from xietong.cases.choices import NumberKind
from xietong.cases.models import Case, CaseEvent, CaseNumber
from xietong.cases.services import case_transition
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.judiciary.choices import FilingChannel, HearingStatus, OutcomeKind, ReviewDecision, RulingKind
from xietong.judiciary.models import ConfirmationReview, FilingRequest, Hearing, Ruling, TrialOutcome
from xietong.judiciary.services import (
    case_file_for_trial,
    confirmation_decide,
    filing_request_create,
    hearing_schedule,
    hearing_set_status,
    ruling_deliver,
    trial_outcome_record,
)
from xietong.service.models import ServedDocument

from .conftest import fresh


def snapshot(case: Case) -> tuple[Any, ...]:
    c = fresh(case)
    return (
        c.state,
        c.number,
        c.judge_id,
        CaseEvent.objects.filter(case=c).count(),
        CaseNumber.objects.filter(case=c).count(),
        ConfirmationReview.objects.filter(case=c).count(),
        Ruling.objects.filter(case=c).count(),
        FilingRequest.objects.filter(case=c).count(),
        Hearing.objects.filter(case=c).count(),
        TrialOutcome.objects.filter(case=c).count(),
        ServedDocument.objects.filter(case=c).count(),
        AuditEntry.objects.count(),
    )


def kinds(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))


# Judicial confirmation --------------------------------------------------------------------------


def test_a_judge_of_the_court_confirms_the_signed_agreement(world, agreed, django_capture_on_commit_callbacks):
    judge = world.users["judge"]
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        review = confirmation_decide(
            actor=judge, case=agreed, decision=ReviewDecision.CONFIRM, reasons="双方当庭确认", **ALL_TICKED
        )
    assert not Ruling.objects.get(case=agreed).pdf  # no PDF renders inside the confirmation's transaction
    for callback in after_commit:
        callback()  # the background task: render, record the hash, serve
    second = Ruling.objects.get(case=agreed)
    ruling_deliver(ruling_id=second.pk, judge_id=judge.pk)  # a second run serves nothing twice
    case = fresh(agreed)
    assert case.state == S.PERFORMING  # confirmed, then performing, in one service
    assert case.judge == judge
    number = CaseNumber.objects.get(case=case, kind=NumberKind.CONFIRMATION)
    assert number.text.endswith("民特1号") and case.number == number.text
    ruling = Ruling.objects.get(case=case)
    assert (ruling.kind, ruling.number, ruling.judge, ruling.review) == (
        RulingKind.CONFIRMATION,
        number.text,
        judge,
        review,
    )
    assert ruling.pdf and len(ruling.sha256) == 64
    assert review.event is not None and review.event.kind == "confirm" and review.event.data["number"] == number.text
    assert review.agreement == Agreement.objects.get(case=case, status=AgreementStatus.SIGNED)
    trail = kinds(case)
    steps = ["confirm", "ruling_issued", "start_performance", "service_sent"]
    assert [k for k in trail if k in steps][-4:] == steps
    # The ruling goes out for service to every party of the case.
    from xietong.service.models import ServedDocument

    served = ServedDocument.objects.get(case=case, kind="ruling")
    assert served.sha256 == ruling.sha256 and served.records.count() == case.parties.count()
    start = CaseEvent.objects.filter(case=case, kind="start_performance").get()
    assert start.actor_label == "system"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {AuditAction.JUDICIARY_REVIEW, AuditAction.JUDICIARY_RULING} <= actions
    assert "申请人" in ruling.body and "调解协议有效" in ruling.body
    assert audit_verify()[1] is None


def test_confirmation_without_moving_on_stays_confirmed(world, agreed):
    case = confirm_case(agreed, world.users["judge"], start_performance=False)
    assert case.state == S.CONFIRMED


def test_a_judge_of_another_court_is_refused_and_nothing_changes(world, agreed):
    before = snapshot(agreed)
    with pytest.raises(NotFound):
        confirmation_decide(
            actor=world.users["other_judge"], case=agreed, decision=ReviewDecision.CONFIRM, **ALL_TICKED
        )
    assert snapshot(agreed) == before


def test_the_court_guard_refuses_another_courts_judge_who_could_see_the_case(world, agreed, monkeypatch):
    """Even if visibility let them in, the court check names the other court."""
    monkeypatch.setattr("xietong.judiciary.services._visible_case", lambda actor, case: fresh(agreed))
    before = snapshot(agreed)
    with pytest.raises(NotAllowed) as exc:
        confirmation_decide(
            actor=world.users["other_judge"], case=agreed, decision=ReviewDecision.CONFIRM, **ALL_TICKED
        )
    assert exc.value.code == "other_court"
    assert snapshot(agreed) == before


@pytest.mark.parametrize("who", ["clerk", "admin", "mediator", "bank", "party"])
def test_only_a_judge_confirms(world, agreed, who):
    before = snapshot(agreed)
    with pytest.raises(NotAllowed) as exc:
        confirmation_decide(actor=world.users[who], case=agreed, decision=ReviewDecision.CONFIRM, **ALL_TICKED)
    assert exc.value.code == "role"
    assert snapshot(agreed) == before


@pytest.mark.parametrize("missing", ["voluntary", "lawful", "within_jurisdiction", "parties_identified"])
def test_an_incomplete_checklist_is_refused_naming_the_item(world, agreed, missing):
    before = snapshot(agreed)
    checks = {**ALL_TICKED, missing: False}
    with pytest.raises(DomainError) as exc:
        confirmation_decide(actor=world.users["judge"], case=agreed, decision=ReviewDecision.CONFIRM, **checks)
    assert exc.value.code == "checklist_incomplete"
    assert exc.value.details == {"unticked": [missing]}
    from xietong.judiciary.choices import CHECKLIST

    assert str(dict(CHECKLIST)[missing]) in str(exc.value.message)
    assert snapshot(agreed) == before


def test_an_unsigned_agreement_cannot_be_confirmed(world, mediating):
    from tests.support.agreements import agreement_make_draft

    agreement_make_draft(mediating, world.users["mediator"])
    # Whatever state the case was put in, a draft is not confirmed.
    Case.objects.filter(pk=mediating.pk).update(state=S.AGREEMENT)
    before = snapshot(mediating)
    with pytest.raises(DomainError) as exc:
        confirmation_decide(actor=world.users["judge"], case=mediating, decision=ReviewDecision.CONFIRM, **ALL_TICKED)
    assert exc.value.code == "agreement_not_signed"
    assert snapshot(mediating) == before
    with pytest.raises(DomainError) as exc:
        case_transition(case=mediating, code="confirm", actor=world.users["judge"])
    assert exc.value.code == "agreement_not_signed"
    assert snapshot(mediating) == before


def test_a_case_still_in_mediation_is_not_confirmed(world, mediating):
    before = snapshot(mediating)
    with pytest.raises(DomainError) as exc:
        confirmation_decide(actor=world.users["judge"], case=mediating, decision=ReviewDecision.CONFIRM, **ALL_TICKED)
    assert exc.value.code == "illegal_transition"
    assert snapshot(mediating) == before


def test_the_bare_confirm_transition_needs_the_review(world, agreed):
    before = snapshot(agreed)
    with pytest.raises(DomainError) as exc:
        case_transition(case=agreed, code="confirm", actor=world.users["judge"])
    assert exc.value.code == "no_review"
    assert snapshot(agreed) == before


def test_a_double_click_on_confirm_issues_one_number(world, agreed):
    judge = world.users["judge"]
    first = confirmation_decide(actor=judge, case=agreed, decision=ReviewDecision.CONFIRM, **ALL_TICKED)
    after_first = snapshot(agreed)
    second = confirmation_decide(actor=judge, case=agreed, decision=ReviewDecision.CONFIRM, **ALL_TICKED)
    assert second.pk == first.pk
    assert snapshot(agreed) == after_first
    assert CaseNumber.objects.filter(case=agreed, kind=NumberKind.CONFIRMATION).count() == 1
    assert Ruling.objects.filter(case=agreed).count() == 1


def test_a_refusal_needs_reasons(world, agreed):
    before = snapshot(agreed)
    with pytest.raises(DomainError) as exc:
        confirmation_decide(actor=world.users["judge"], case=agreed, decision=ReviewDecision.REFUSE, reasons="  ")
    assert exc.value.code == "note_required"
    assert snapshot(agreed) == before


def test_a_refusal_sends_the_case_back_and_voids_the_agreement(world, agreed):
    agreement = Agreement.objects.get(case=agreed, status=AgreementStatus.SIGNED)
    review = confirmation_decide(
        actor=world.users["judge"], case=agreed, decision=ReviewDecision.REFUSE, reasons="违约金条款过高，显失公平"
    )
    case = fresh(agreed)
    assert case.state == S.MEDIATING
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.VOID and "显失公平" in agreement.void_reason
    assert review.event is not None and review.event.kind == "refuse_confirmation"
    assert review.event.note == "违约金条款过高，显失公平"
    assert not Ruling.objects.filter(case=case).exists()
    assert not CaseNumber.objects.filter(case=case, kind=NumberKind.CONFIRMATION).exists()
    # A new agreement, signed again, is then confirmed.
    from tests.support.judiciary import ensure_signed_agreement

    ensure_signed_agreement(case, world.users["mediator"])
    case = confirm_case(case, world.users["judge"])
    assert case.state == S.CONFIRMED
    assert ConfirmationReview.objects.filter(case=case).count() == 2


def test_the_bare_refusal_needs_a_refusing_review(world, agreed):
    before = snapshot(agreed)
    with pytest.raises(DomainError) as exc:
        case_transition(case=agreed, code="refuse_confirmation", actor=world.users["judge"], note="理由")
    assert exc.value.code == "no_review"
    assert snapshot(agreed) == before


# Filing ---------------------------------------------------------------------------------------


def test_filing_without_the_plaintiffs_request_is_refused(world, failed):
    before = snapshot(failed)
    with pytest.raises(DomainError) as exc:
        case_file_for_trial(actor=world.users["clerk"], case=failed)
    assert exc.value.code == "no_filing_request"
    assert snapshot(failed) == before


def test_the_institution_operator_requests_filing_and_the_clerk_files(world, failed):
    request = filing_request_create(actor=world.users["bank"], case=failed, note="调解不成，请求立案")
    assert (request.channel, request.party.organisation) == (FilingChannel.INSTITUTION, world.bank)
    again = filing_request_create(actor=world.users["bank"], case=failed)
    assert again.pk == request.pk and FilingRequest.objects.filter(case=failed).count() == 1
    case = case_file_for_trial(actor=world.users["clerk"], case=failed, note="依法立案")
    assert case.state == S.FILED
    number = CaseNumber.objects.get(case=case, kind=NumberKind.FIRST_INSTANCE)
    assert case.number == number.text and number.text.endswith("民初1号")
    # Everything is carried over: the same parties, amounts and earlier numbers.
    assert case.parties.count() == world.cases["bank"].parties.count()
    assert case.total == Decimal("13000.00")
    assert CaseNumber.objects.filter(case=case).count() == 2
    assert kinds(case)[-2:] == ["filing_requested", "file"]
    with pytest.raises(DomainError) as exc:
        case_file_for_trial(actor=world.users["clerk"], case=failed)
    assert exc.value.code == "already_filed"


def test_the_institutions_api_client_requests_filing(world, failed):
    request = filing_request_create(actor=world.api_client, case=failed)
    assert request.channel == FilingChannel.API and request.requested_by_api_client == world.api_client


def test_a_clerk_records_a_paper_request_with_a_note(world, failed):
    before = snapshot(failed)
    with pytest.raises(DomainError) as exc:
        filing_request_create(actor=world.users["clerk"], case=failed, note="")
    assert exc.value.code == "note_required"
    assert snapshot(failed) == before
    request = filing_request_create(actor=world.users["clerk"], case=failed, note="原告于窗口递交立案申请书")
    assert request.channel == FilingChannel.PAPER


@pytest.mark.parametrize(("who", "error"), [("party", NotAllowed), ("mediator", NotAllowed), ("other_bank", NotFound)])
def test_only_the_plaintiff_side_requests_filing(world, failed, who, error):
    """The party user acts for the respondent (the debtor), not for the applicant bank."""
    before = snapshot(failed)
    with pytest.raises(error):
        filing_request_create(actor=world.users[who], case=failed)
    assert snapshot(failed) == before


def test_filing_is_requested_only_after_a_failed_mediation(world, mediating):
    before = snapshot(mediating)
    with pytest.raises(DomainError) as exc:
        filing_request_create(actor=world.users["bank"], case=mediating)
    assert exc.value.code == "illegal_state"
    assert snapshot(mediating) == before


@pytest.mark.parametrize("who", ["bank", "mediator", "other_judge"])
def test_only_the_courts_staff_file(world, failed, who):
    filing_request_create(actor=world.users["bank"], case=failed)
    before = snapshot(failed)
    with pytest.raises(DomainError):
        case_file_for_trial(actor=world.users[who], case=failed)
    assert snapshot(failed) == before


# Hearings and the outcome ---------------------------------------------------------------------


def test_a_hearing_sends_its_notice_for_service(world, filed):
    hearing = schedule_hearing(filed, world.users["clerk"], world.users["judge"])
    assert hearing.status == HearingStatus.SCHEDULED and hearing.judge == world.users["judge"]
    doc = ServedDocument.objects.get(case=filed, kind="hearing_notice")
    assert hearing.notice_id == doc.pk
    assert doc.records.count() == filed.parties.count()
    assert "hearing_scheduled" in kinds(filed)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"starts_at": timezone.now() - dt.timedelta(hours=1), "place": "第三法庭"}, "past_time"),
        ({"starts_at": timezone.now() + dt.timedelta(days=3)}, "no_place"),
        ({"starts_at": timezone.now() + dt.timedelta(days=3), "online_link": "http://x.example"}, "link"),
    ],
)
def test_a_bad_hearing_is_refused(world, filed, kwargs, code):
    before = snapshot(filed)
    with pytest.raises(DomainError) as exc:
        hearing_schedule(actor=world.users["clerk"], case=filed, judge=world.users["judge"], **kwargs)
    assert exc.value.code == code
    assert snapshot(filed) == before


def test_the_hearing_judge_must_be_of_the_court(world, filed):
    with pytest.raises(DomainError) as exc:
        hearing_schedule(
            actor=world.users["clerk"],
            case=filed,
            starts_at=timezone.now() + dt.timedelta(days=3),
            place="第三法庭",
            judge=world.users["other_judge"],
        )
    assert exc.value.code == "judge_court"


def test_no_hearing_held_and_no_outcome_before_the_notice_is_served(world, filed):
    judge = world.users["judge"]
    hearing = schedule_hearing(filed, world.users["clerk"], judge)
    before = snapshot(filed)
    with pytest.raises(DomainError) as exc:
        hearing_set_status(actor=judge, hearing=hearing, status=HearingStatus.HELD)
    assert exc.value.code == "hearing_notice_not_served"
    for kind in (OutcomeKind.JUDGMENT, OutcomeKind.SETTLEMENT):
        with pytest.raises(DomainError) as exc:
            trial_outcome_record(actor=judge, case=filed, kind=kind, summary="判决被告还款")
        assert exc.value.code == "hearing_notice_not_served"
    with pytest.raises(DomainError) as exc:
        case_transition(case=filed, code="try", actor=judge)
    assert exc.value.code == "no_outcome"
    assert snapshot(filed) == before
    assert Hearing.objects.get(pk=hearing.pk).status == HearingStatus.SCHEDULED
    # Served: the hearing is held and the judgment recorded.
    serve_hearing_notice(filed, world.users["clerk"])
    hearing_set_status(actor=judge, hearing=hearing, status=HearingStatus.HELD)
    trial_outcome_record(
        actor=judge, case=filed, kind=OutcomeKind.JUDGMENT, summary="被告应还款", amount_awarded="12800.50"
    )
    case = fresh(filed)
    assert case.state == S.TRIED


def test_the_try_guard_rechecks_the_service_of_a_held_hearing(world, filed, monkeypatch):
    hearing = schedule_hearing(filed, world.users["clerk"], world.users["judge"])
    serve_hearing_notice(filed, world.users["clerk"])
    hearing_set_status(actor=world.users["judge"], hearing=hearing, status=HearingStatus.HELD)
    TrialOutcome.objects.create(case=filed, kind=OutcomeKind.JUDGMENT, summary="x", judge=world.users["judge"])
    monkeypatch.setattr("xietong.service.selectors.service_satisfied", lambda case, kind: False)
    with pytest.raises(DomainError) as exc:
        case_transition(case=filed, code="try", actor=world.users["judge"])
    assert exc.value.code == "hearing_notice_not_served"


def test_a_judgment_needs_a_hearing(world, filed):
    before = snapshot(filed)
    with pytest.raises(DomainError) as exc:
        trial_outcome_record(actor=world.users["judge"], case=filed, kind=OutcomeKind.JUDGMENT, summary="判决")
    assert exc.value.code == "no_hearing_held"
    assert snapshot(filed) == before


def test_the_judgment_is_issued_and_served(world, filed):
    case = try_case(filed, world.users["judge"], world.users["clerk"])
    assert case.state == S.TRIED and case.judge == world.users["judge"]
    outcome = TrialOutcome.objects.get(case=case)
    assert outcome.kind == OutcomeKind.JUDGMENT and outcome.amount_awarded == case.total
    ruling = Ruling.objects.get(case=case, kind=RulingKind.JUDGMENT)
    assert ruling.number == case.number and ruling.outcome == outcome and ruling.sha256
    served = ServedDocument.objects.get(case=case, kind="judgment")
    assert served.records.count() == case.parties.count()
    assert kinds(case)[-3:] == ["try", "ruling_issued", "service_sent"]
    event = CaseEvent.objects.get(case=case, kind="try")
    assert event.note.endswith("被告应偿还原告借款本息")


@pytest.mark.parametrize("kind", [OutcomeKind.SETTLEMENT, OutcomeKind.WITHDRAWAL])
def test_a_settlement_or_withdrawal_closes_the_case(world, filed, kind):
    trial_outcome_record(actor=world.users["judge"], case=filed, kind=kind, summary="双方庭外和解，原告撤回起诉")
    case = fresh(filed)
    assert case.state == S.CLOSED and case.closed_at is not None
    assert kinds(case)[-1] == "close" and "try" in kinds(case)
    rulings = list(Ruling.objects.filter(case=case).values_list("kind", flat=True))
    assert rulings == ([RulingKind.SETTLEMENT] if kind == OutcomeKind.SETTLEMENT else [])
    assert not ServedDocument.objects.filter(case=case, kind="judgment").exists()


def test_a_settlement_before_the_hearing_day_cancels_the_hearing_with_the_outcome_as_its_reason(world, filed):
    from django.utils import translation

    from xietong.cases.status import case_status_read

    hearing = schedule_hearing(filed, world.users["clerk"], world.users["judge"], days=10)
    serve_hearing_notice(filed, world.users["clerk"])
    assert json.loads(case_status_read(filed.pk).body)["hearing"] is not None
    trial_outcome_record(actor=world.users["judge"], case=filed, kind=OutcomeKind.SETTLEMENT, summary="庭前和解")
    hearing.refresh_from_db()
    assert hearing.status == HearingStatus.CANCELLED
    cancelled = CaseEvent.objects.get(case=filed, kind="hearing_cancelled")
    assert cancelled.data["hearing"] == hearing.pk
    assert kinds(fresh(filed)).index("hearing_cancelled") < kinds(fresh(filed)).index("try")
    with translation.override("zh-hans"):
        assert "庭审前已审结" in cancelled.detail and "调解" in cancelled.detail
    with translation.override("en"):
        assert cancelled.detail == "The trial ended before this hearing (mediated settlement in court)."
    entry = AuditEntry.objects.filter(action=AuditAction.JUDICIARY_HEARING, object_id=str(hearing.pk)).last()
    assert entry.after["status"] == HearingStatus.CANCELLED
    assert json.loads(case_status_read(filed.pk).body)["hearing"] is None
    assert audit_verify()[1] is None


def test_a_hearing_held_stays_held_when_the_judgment_is_recorded(world, filed):
    try_case(filed, world.users["judge"], world.users["clerk"])
    assert set(Hearing.objects.filter(case=filed).values_list("status", flat=True)) == {HearingStatus.HELD}
    assert not CaseEvent.objects.filter(case=filed, kind="hearing_cancelled").exists()


def test_an_outcome_is_recorded_once_and_only_by_a_judge_of_the_court(world, filed):
    for who in ("clerk", "bank"):
        with pytest.raises(NotAllowed):
            trial_outcome_record(actor=world.users[who], case=filed, kind=OutcomeKind.WITHDRAWAL, summary="撤诉")
    with pytest.raises(NotFound):
        trial_outcome_record(actor=world.users["other_judge"], case=filed, kind=OutcomeKind.WITHDRAWAL, summary="撤诉")
    with pytest.raises(DomainError) as exc:
        trial_outcome_record(actor=world.users["judge"], case=filed, kind=OutcomeKind.WITHDRAWAL, summary=" ")
    assert exc.value.code == "summary_required"
    with pytest.raises(DomainError) as exc:
        trial_outcome_record(
            actor=world.users["judge"], case=filed, kind=OutcomeKind.WITHDRAWAL, summary="撤诉", amount_awarded="10.00"
        )
    assert exc.value.code == "amount_withdrawal"
    trial_outcome_record(actor=world.users["judge"], case=filed, kind=OutcomeKind.WITHDRAWAL, summary="撤诉")
    before = snapshot(filed)
    with pytest.raises(DomainError) as exc:
        trial_outcome_record(actor=world.users["judge"], case=filed, kind=OutcomeKind.WITHDRAWAL, summary="撤诉")
    assert exc.value.code == "outcome_exists"
    assert snapshot(filed) == before


def test_an_adjourned_hearing_needs_a_reason_and_a_new_one_may_be_scheduled(world, filed):
    hearing = schedule_hearing(filed, world.users["clerk"], world.users["judge"])
    with pytest.raises(DomainError) as exc:
        schedule_hearing(filed, world.users["clerk"], world.users["judge"], days=9)
    assert exc.value.code == "hearing_already_scheduled"
    with pytest.raises(DomainError):
        hearing_set_status(actor=world.users["clerk"], hearing=hearing, status=HearingStatus.ADJOURNED)
    hearing_set_status(actor=world.users["clerk"], hearing=hearing, status=HearingStatus.ADJOURNED, note="被告申请延期")
    second = schedule_hearing(filed, world.users["clerk"], world.users["judge"], days=14)
    assert second.pk != hearing.pk
    assert ServedDocument.objects.filter(case=filed, kind="hearing_notice").count() == 2


def test_the_timeline_shows_the_whole_failed_path(world, failed):
    file_case(failed, world.users["clerk"])
    case = try_case(failed, world.users["judge"], world.users["clerk"])
    trail = [k for k in kinds(case) if not k.startswith("service_")]
    assert trail[-7:] == [
        "fail_mediation",
        "filing_requested",
        "file",
        "hearing_scheduled",
        "hearing_held",
        "try",
        "ruling_issued",
    ]
    from xietong.cases.registry import registry

    for kind in ("filing_requested", "hearing_scheduled", "hearing_held", "ruling_issued"):
        assert registry.event_kinds[kind].app == "judiciary"
