"""Enforcement: applied for by the creditor on an enforceable basis only, accepted by the court with an
执 number, its result recorded and the case closed; the one-click enforcement is gone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from xietong.cases.choices import CaseState
from xietong.cases.services import case_enforce, case_start_mediation
from xietong.core.errors import DomainError
from xietong.documents.render import docx_text
from xietong.repayment.choices import ApplicationStatus, PlanStatus
from xietong.repayment.models import EnforcementApplication
from xietong.repayment.selectors import plan_current
from xietong.repayment.services import (
    enforcement_accept,
    enforcement_apply,
    enforcement_result_record,
    payment_report,
    repayment_daily,
)

from .conftest import at


def default(case) -> None:
    plan = plan_current(case)
    first = plan.instalments.get(seq=1).due_date
    repayment_daily(now=at(first + dt.timedelta(days=16), 10))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DEFAULTED


def test_a_signed_but_unconfirmed_agreement_is_not_enforceable(world):
    from tests.support.agreements import agreement_make_signed

    case = world.cases["bank"]
    case_start_mediation(case=case, actor=world.users["mediator"])
    agreement_make_signed(case, world.users["mediator"])
    with pytest.raises(DomainError) as exc:
        enforcement_apply(actor=world.users["bank"], case=case)
    assert exc.value.code == "not_enforceable"
    assert "民特" in str(exc.value.message) and "民初" in str(exc.value.message)
    assert not EnforcementApplication.objects.exists()


def test_enforcement_waits_for_the_default(world, performing):
    with pytest.raises(DomainError) as exc:
        enforcement_apply(actor=world.users["bank"], case=performing)
    assert exc.value.code == "not_defaulted"


def test_no_one_click_enforcement_without_an_application(world, performing):
    default(performing)
    with pytest.raises(DomainError) as exc:
        case_enforce(case=performing, actor=world.users["judge"])
    assert exc.value.code == "no_application"
    performing.refresh_from_db()
    assert performing.state == CaseState.PERFORMING


def test_the_creditors_journey_from_default_to_the_enforcement_number_and_its_result(world, performing):
    bank, clerk = world.users["bank"], world.users["clerk"]
    payment_report(actor=bank, case=performing, paid_on=dt.date.today(), amount="1000.00", reference="P-1")
    default(performing)
    with pytest.raises(DomainError):
        enforcement_apply(actor=world.users["other_bank"], case=performing)  # not theirs: not found
    application = enforcement_apply(actor=bank, case=performing)
    assert enforcement_apply(actor=bank, case=performing).pk == application.pk  # a double click
    assert str(application.amount_outstanding) == "11800.50" and str(application.amount_paid) == "1000.00"
    assert "民特" in application.basis_number
    with pytest.raises(DomainError):
        enforcement_accept(actor=bank, case=performing)  # the creditor does not accept its own application
    accepted = enforcement_accept(actor=clerk, case=performing)
    performing.refresh_from_db()
    assert performing.state == CaseState.ENFORCING
    assert "执" in accepted.enforcement_number and performing.number == accepted.enforcement_number
    assert plan_current(performing).status == PlanStatus.ENFORCEMENT
    with pytest.raises(DomainError) as exc:
        payment_report(actor=bank, case=performing, paid_on=dt.date.today(), amount="1.00", reference="P-2")
    assert exc.value.code == "plan_closed"

    # documents: parties, basis, outstanding, what was paid
    c = Client()
    c.force_login(bank)
    pdf = c.get(f"/cases/{performing.pk}/repayment/enforcement/{application.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = c.get(f"/cases/{performing.pk}/repayment/enforcement/{application.pk}/docx/")
    text = docx_text(docx.content)
    assert "强制执行申请书" in text and application.basis_number in text and "11800.50" in text and "P-1" in text
    applied = timezone.localdate(application.applied_at)
    assert f"{applied.year}年{applied.month}月{applied.day}日" in text

    with pytest.raises(DomainError) as exc:
        enforcement_result_record(actor=clerk, case=performing, result="partly_paid")
    assert exc.value.code == "amount_required"
    enforcement_result_record(actor=clerk, case=performing, result="partly_paid", amount="5000.00", note="扣划存款")
    performing.refresh_from_db()
    assert performing.state == CaseState.CLOSED
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CLOSED and str(application.result_amount) == "5000.00"


def test_a_judgment_is_an_enforceable_basis(world):
    from tests.support.judiciary import file_case, try_case
    from xietong.cases.services import case_fail_mediation

    case = world.cases["bank"]
    case_start_mediation(case=case, actor=world.users["mediator"])
    case_fail_mediation(case=case, actor=world.users["mediator"], note="无法达成一致")
    file_case(case, world.users["clerk"])
    try_case(case, world.users["judge"], world.users["clerk"])
    application = enforcement_apply(actor=world.users["bank"], case=case)
    assert application.basis_kind == "judgment" and "民初" in application.basis_number
    assert str(application.amount_outstanding) == str(case.total)
    enforcement_accept(actor=world.users["judge"], case=case)
    case.refresh_from_db()
    assert case.state == CaseState.ENFORCING and "执" in case.number
