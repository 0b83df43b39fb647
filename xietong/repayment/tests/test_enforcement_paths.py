"""Enforcement through the API (apply, read the state, the PDF), the way to an enforceable basis shown for a
signed but unconfirmed agreement, and no closing of an enforcement around its result."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from tests.support.agreements import agreement_make_signed
from xietong.audit.models import AuditEntry
from xietong.cases.choices import CaseState
from xietong.cases.models import CaseEvent
from xietong.cases.services import case_close, case_fail_mediation, case_start_mediation
from xietong.core.errors import DomainError
from xietong.judiciary.models import FilingRequest
from xietong.repayment.models import EnforcementApplication
from xietong.repayment.selectors import plan_current
from xietong.repayment.services import enforcement_accept, enforcement_apply, enforcement_result_record, repayment_daily

from .conftest import at


def api(token: str) -> Client:
    c = Client()
    c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def default(case) -> None:
    first = plan_current(case).instalments.get(seq=1).due_date
    repayment_daily(now=at(first + dt.timedelta(days=16), 10))


def test_the_creditors_system_applies_reads_the_state_and_takes_the_pdf(world, performing):
    c = api(world.api_token)
    url = f"/api/v1/cases/{performing.pk}/enforcement"
    state = c.get(url).json()
    assert state["enforceable"] is True and state["may_apply"] is False and "违约" in state["why_not"]
    refused = c.post(url, HTTP_IDEMPOTENCY_KEY="e-0")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "not_defaulted"
    default(performing)
    assert c.get(url).json()["may_apply"] is True
    first = c.post(url, HTTP_IDEMPOTENCY_KEY="e-1")
    assert first.status_code == 201 and first.json()["created"] is True
    application = first.json()["application"]
    assert application["status"] == "applied" and application["amount_outstanding"] == "12800.50"
    retry = c.post(url, HTTP_IDEMPOTENCY_KEY="e-1")
    assert retry.status_code == 200 and retry.json()["application"]["id"] == application["id"]
    again = c.post(url, HTTP_IDEMPOTENCY_KEY="e-2")  # a second application while one is open: the same one
    assert again.status_code == 200 and again.json()["created"] is False
    assert EnforcementApplication.objects.count() == 1
    enforcement_accept(actor=world.users["clerk"], case=performing)
    state = c.get(url).json()
    assert "执" in state["applications"][0]["enforcement_number"] and state["may_apply"] is False
    pdf = c.get(application["pdf"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="document.download", object_id=str(application["id"])).exists()
    other = api(world.other_api_token)
    assert other.get(url).status_code == 404
    assert other.post(url, HTTP_IDEMPOTENCY_KEY="x").status_code == 404
    assert other.get(application["pdf"]).status_code == 404


def test_a_signed_unconfirmed_agreement_shows_the_way_to_confirmation(world, django_capture_on_commit_callbacks):
    case = world.cases["bank"]
    case_start_mediation(case=case, actor=world.users["mediator"])
    agreement_make_signed(case, world.users["mediator"])
    case.refresh_from_db()
    assert case.state == CaseState.AGREEMENT
    refused = api(world.api_token).post(f"/api/v1/cases/{case.pk}/enforcement", HTTP_IDEMPOTENCY_KEY="a")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "not_enforceable"
    bank = Client()
    bank.force_login(world.users["bank"])
    page = bank.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="not-enforceable"' in page and 'data-testid="confirmation-request"' in page
    judge = world.users["judge"]
    judge.email = "judge@court.example.cn"
    judge.save(update_fields=["email"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        resp = bank.post(f"/cases/{case.pk}/repayment/confirmation/", follow=True)
    assert 'data-testid="confirmation-asked"' in resp.content.decode()
    assert CaseEvent.objects.filter(case=case, kind="confirmation_requested").count() == 1
    assert [m.to for m in mail.outbox] == [["judge@court.example.cn"]]
    bank.post(f"/cases/{case.pk}/repayment/confirmation/")
    assert CaseEvent.objects.filter(case=case, kind="confirmation_requested").count() == 1  # asked once
    # no one else is shown the creditor's way
    party = Client()
    party.force_login(world.users["party"])
    assert 'data-testid="not-enforceable"' not in party.get(f"/cases/{case.pk}/").content.decode()


def test_after_a_refusal_and_a_failed_mediation_the_creditor_is_shown_the_way_to_filing(world):
    from tests.support.judiciary import refuse_case

    case = world.cases["bank"]
    case_start_mediation(case=case, actor=world.users["mediator"])
    agreement_make_signed(case, world.users["mediator"])
    refuse_case(case, world.users["judge"])  # back in mediation, the agreement voided
    bank = Client()
    bank.force_login(world.users["bank"])
    assert 'data-testid="not-enforceable"' not in bank.get(f"/cases/{case.pk}/").content.decode()
    case_fail_mediation(case=case, actor=world.users["mediator"], note="债务人反悔，调解不成")
    page = bank.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="not-enforceable"' in page and 'href="#judiciary" data-testid="filing-request"' in page
    assert 'id="judiciary"' in page and 'data-testid="request-filing"' in page  # the court's own form, linked
    bank.post(f"/cases/{case.pk}/judiciary/filing-request/", {"note": "申请立案审理"})
    assert FilingRequest.objects.filter(case=case).exists()
    assert 'data-testid="filing-asked"' in bank.get(f"/cases/{case.pk}/").content.decode()


def test_the_generic_close_cannot_bypass_the_result_of_enforcement(world, performing):
    default(performing)
    enforcement_apply(actor=world.users["bank"], case=performing)
    enforcement_accept(actor=world.users["clerk"], case=performing)
    with pytest.raises(DomainError) as exc:
        case_close(case=performing, actor=world.users["judge"], note="结案")
    assert exc.value.code == "enforcement_result_required"
    performing.refresh_from_db()
    assert performing.state == CaseState.ENFORCING
    enforcement_result_record(actor=world.users["judge"], case=performing, result="terminated", note="无财产可供执行")
    performing.refresh_from_db()
    assert performing.state == CaseState.CLOSED


def test_the_demo_closes_an_enforcement_by_recording_its_result(world, performing):
    from xietong.repayment.demo import close

    default(performing)
    enforcement_apply(actor=world.users["bank"], case=performing)
    enforcement_accept(actor=world.users["clerk"], case=performing)
    close(case_id=performing.pk, actor=world.users["judge"], note="执行完毕，结案。")
    performing.refresh_from_db()
    application = EnforcementApplication.objects.get(case=performing)
    assert performing.state == CaseState.CLOSED and application.result and application.closed_at
