"""A judgment (民初) or a settlement in court with a payment schedule becomes a plan; the settlement is an
enforceable basis; the application for enforcement of a judgment asks for what the judgment awarded, in
words fit for a judgment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.support.judiciary import file_case, schedule_hearing, serve_hearing_notice, try_case
from xietong.cases.choices import CaseState
from xietong.cases.models import Case
from xietong.cases.services import case_fail_mediation, case_start_mediation
from xietong.core.errors import DomainError
from xietong.documents.render import docx_text
from xietong.judiciary.choices import HearingStatus, OutcomeKind
from xietong.judiciary.models import TrialOutcome
from xietong.judiciary.services import hearing_set_status, trial_outcome_record
from xietong.repayment.choices import BasisKind, PlanStatus
from xietong.repayment.selectors import enforceable_basis, plan_current
from xietong.repayment.services import JUDGMENT_TERMS, enforcement_apply, payment_report, repayment_daily

from .conftest import at

TODAY = timezone.localdate()


def filed(world) -> Case:
    case = world.cases["bank"]
    case_start_mediation(case=case, actor=world.users["mediator"])
    case_fail_mediation(case=case, actor=world.users["mediator"], note="无法达成一致")
    return file_case(case, world.users["clerk"])


def held(world, case: Case) -> None:
    hearing = schedule_hearing(case, world.users["clerk"], world.users["judge"])
    serve_hearing_notice(case, world.users["clerk"])
    hearing_set_status(actor=world.users["judge"], hearing=hearing, status=HearingStatus.HELD)


def outcome(world, case, capture, **kw) -> Case:
    held(world, case)
    with capture(execute=True):
        trial_outcome_record(
            actor=world.users["judge"], case=case, summary="被告应偿还原告借款本息", render=False, **kw
        )
    return Case.objects.get(pk=case.pk)


def test_a_judgment_with_instalments_is_repaid_on_a_plan(world, django_capture_on_commit_callbacks):
    case = filed(world)
    first, second = TODAY + dt.timedelta(days=30), TODAY + dt.timedelta(days=60)
    case = outcome(
        world,
        case,
        django_capture_on_commit_callbacks,
        kind=OutcomeKind.JUDGMENT,
        amount_awarded="12000.00",
        schedule=[(first, Decimal("6000.00")), (second, Decimal("6000.00"))],
    )
    assert case.state == CaseState.PERFORMING and "民初" in case.number
    plan = plan_current(case)
    assert (plan.basis_kind, plan.basis_number, plan.total) == (BasisKind.JUDGMENT, case.number, Decimal("12000.00"))
    assert plan.agreement is None
    terms = {
        "grace_days": plan.grace_days,
        "default_after_missed": plan.default_after_missed,
        "accelerate": plan.accelerate,
    }
    assert terms == JUDGMENT_TERMS
    assert [(i.due_date, i.amount) for i in plan.instalments.order_by("seq")] == [
        (first, Decimal("6000.00")),
        (second, Decimal("6000.00")),
    ]
    ruling_text = case.rulings.get(kind="judgment").body
    assert "分2期支付" in ruling_text and "6000.00" in ruling_text
    # missed the day after it falls due (no grace in a judgment), then the creditor applies
    payment_report(actor=world.users["bank"], case=case, paid_on=TODAY, amount="1000.00", reference="J-1")
    repayment_daily(now=at(first + dt.timedelta(days=1), 10))
    assert plan_current(case).status == PlanStatus.DEFAULTED
    application = enforcement_apply(actor=world.users["bank"], case=case)
    assert str(application.amount_outstanding) == "11000.00" and str(application.amount_paid) == "1000.00"
    c = Client()
    c.force_login(world.users["bank"])
    text = docx_text(c.get(f"/cases/{case.pk}/repayment/enforcement/{application.pk}/docx/").content)
    assert "民事判决书" in text and "未按判决确定的分期付款期限履行" in text and "12000.00" in text
    assert "已按约定构成违约" not in text


def test_a_settlement_in_court_with_one_due_date_stays_open_and_is_enforceable(
    world, django_capture_on_commit_callbacks
):
    case = filed(world)
    due = TODAY + dt.timedelta(days=10)
    case = outcome(
        world,
        case,
        django_capture_on_commit_callbacks,
        kind=OutcomeKind.SETTLEMENT,
        amount_awarded="9000.00",
        schedule=[(due, Decimal("9000.00"))],
    )
    assert case.state == CaseState.PERFORMING  # not closed: it is repaid on a plan
    assert enforceable_basis(case) == (BasisKind.SETTLEMENT, case.number)
    plan = plan_current(case)
    assert plan.basis_kind == BasisKind.SETTLEMENT and plan.instalments.count() == 1
    repayment_daily(now=at(due + dt.timedelta(days=1), 10))
    application = enforcement_apply(actor=world.users["bank"], case=case)
    assert application.basis_kind == BasisKind.SETTLEMENT
    assert "民事调解书" in application.content["basis_document"]
    assert "未按调解书确定的分期付款期限履行" in application.content["reason"]


def test_a_judgment_without_a_schedule_is_enforced_for_the_amount_it_awarded(world, django_capture_on_commit_callbacks):
    case = filed(world)
    case = outcome(
        world, case, django_capture_on_commit_callbacks, kind=OutcomeKind.JUDGMENT, amount_awarded="10500.00"
    )
    assert case.state == CaseState.TRIED and plan_current(case) is None
    application = enforcement_apply(actor=world.users["bank"], case=case)
    assert str(application.amount_outstanding) == "10500.00"  # not the 13,000.00 claimed
    c = Client()
    c.force_login(world.users["bank"])
    pdf = c.get(f"/cases/{case.pk}/repayment/enforcement/{application.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = docx_text(c.get(f"/cases/{case.pk}/repayment/enforcement/{application.pk}/docx/").content)
    assert "未在判决确定的履行期间内履行给付义务" in text and "已按约定构成违约" not in text


def test_a_bad_schedule_is_refused_and_the_case_stays_filed(world):
    case = filed(world)
    held(world, case)
    for kw, code in (
        ({"amount_awarded": "100.00", "schedule": [(TODAY + dt.timedelta(days=5), Decimal("99.00"))]}, "plan_sum"),
        ({"amount_awarded": "100.00", "schedule": [(TODAY - dt.timedelta(days=5), Decimal("100.00"))]}, "plan_past"),
        ({"schedule": [(TODAY + dt.timedelta(days=5), Decimal("100.00"))]}, "schedule_amount"),
    ):
        with pytest.raises(DomainError) as exc:
            trial_outcome_record(actor=world.users["judge"], case=case, kind=OutcomeKind.JUDGMENT, summary="x", **kw)
        assert exc.value.code == code
    assert not TrialOutcome.objects.exists()
    assert Case.objects.get(pk=case.pk).state == CaseState.FILED


def test_the_judge_gives_one_due_date_on_the_page(world, django_capture_on_commit_callbacks):
    case = filed(world)
    held(world, case)
    judge = Client()
    judge.force_login(world.users["judge"])
    due = (TODAY + dt.timedelta(days=20)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        resp = judge.post(
            f"/cases/{case.pk}/judiciary/outcome/",
            {"kind": "judgment", "summary": "被告应偿还借款", "amount_awarded": "8000.00", "due_date": due},
        )
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.PERFORMING
    assert TrialOutcome.objects.get(case=case).schedule == [[due, "8000.00"]]
    page = judge.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="outcome-schedule"' in page and 'data-testid="plan-instalments-box"' in page


def test_the_tried_case_of_the_test_helpers_still_closes_without_a_schedule(world):
    case = filed(world)
    tried = try_case(case, world.users["judge"], world.users["clerk"], kind=OutcomeKind.SETTLEMENT)
    assert tried.state == CaseState.CLOSED
