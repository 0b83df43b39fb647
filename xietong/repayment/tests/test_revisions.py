"""Changing the plan: the debtor asks for more time, the mediator drafts new instalments for the balance,
the debtor (one-time code, or on paper) and the creditor agree; the new version is in force and the old one
kept, superseded, on the case."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from xietong.audit.models import AuditEntry
from xietong.cases.models import CaseEvent
from xietong.core.errors import DomainError, NotFound
from xietong.notifications.backends import LocmemSmsBackend
from xietong.repayment.choices import PlanStatus, RevisionStatus, TimeRequestStatus
from xietong.repayment.models import PlanRevision, RepaymentPlan, TimeRequest
from xietong.repayment.revisions import (
    plan_revision_code,
    plan_revision_draft,
    plan_revision_sign_counter,
    plan_revision_sign_creditor,
    plan_revision_sign_debtor,
    time_request_create,
    time_request_decline,
)
from xietong.repayment.selectors import plan_current
from xietong.repayment.services import payment_report, repayment_daily
from xietong.webhooks.models import WebhookDelivery, WebhookEndpoint

from .conftest import at

TODAY = timezone.localdate()


def draft(world, case, months: int = 12) -> PlanRevision:
    return plan_revision_draft(
        actor=world.users["mediator"], case=case, months=months, first_due=TODAY + dt.timedelta(days=20)
    )


def code_sent(capture, world, revision) -> str:
    LocmemSmsBackend.outbox.clear()
    with capture(execute=True):
        plan_revision_code(actor=world.users["party"], revision=revision)
    (sms,) = LocmemSmsBackend.outbox
    assert sms.to == world.persons["relative"].phone  # the acting relative's own phone
    found = re.search(r"\d{6}", sms.text)
    assert found is not None
    return found.group(0)


def test_the_debtor_asks_for_more_time_on_the_phone_page_and_the_mediator_is_told(
    world, performing, django_capture_on_commit_callbacks
):
    mediator = world.users["mediator"]
    mediator.email = "mediator@example.cn"
    mediator.save(update_fields=["email"])
    party = Client()
    party.force_login(world.users["party"])
    page = party.get("/my/repayments/").content.decode()
    assert 'data-testid="ask-time"' in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        resp = party.post(
            f"/cases/{performing.pk}/repayment/time-requests/", {"reason": "哥哥住院，收入中断", "months": "24"}
        )
    assert resp.status_code == 302
    request = TimeRequest.objects.get()
    assert (request.status, request.months, request.via_mediator) == (TimeRequestStatus.OPEN, 24, False)
    assert [m.to for m in mail.outbox] == [["mediator@example.cn"]]
    party.post(f"/cases/{performing.pk}/repayment/time-requests/", {"reason": "again", "months": "24"})
    assert TimeRequest.objects.count() == 1  # one open request a case
    assert 'data-testid="my-time-request"' in party.get("/my/repayments/").content.decode()
    m = Client()
    m.force_login(mediator)
    assert 'data-testid="waiting-time-request"' in m.get("/repayment/").content.decode()
    assert 'data-testid="revision-form"' in m.get(f"/cases/{performing.pk}/").content.decode()


def test_a_new_plan_agreed_by_both_supersedes_the_old_one(world, performing, django_capture_on_commit_callbacks):
    WebhookEndpoint.objects.create(organisation=world.bank, url="https://bank.example/hook", secret="s" * 32)
    bank = world.users["bank"]
    payment_report(actor=bank, case=performing, paid_on=TODAY, amount="800.50", reference="BEFORE")
    time_request_create(actor=world.users["party"], case=performing, reason="收入减少", months=24)
    old = plan_current(performing)
    revision = draft(world, performing, months=24)
    assert revision.balance == Decimal("12000.00") and len(revision.schedule) == 24
    assert sum(a for _d, a in revision.schedule) == Decimal("12000.00")
    assert TimeRequest.objects.get().status == TimeRequestStatus.DRAFTED
    assert WebhookDelivery.objects.filter(event_type="plan.revision_proposed").count() == 1

    with pytest.raises(DomainError) as exc:
        plan_revision_sign_debtor(actor=world.users["party"], revision=revision, code="000000")
    assert exc.value.code == "otp_invalid"
    code = code_sent(django_capture_on_commit_callbacks, world, revision)
    plan_revision_sign_debtor(actor=world.users["party"], revision=revision, code=code)
    assert plan_current(performing).pk == old.pk  # not yet: the creditor has to agree too
    c = Client()
    c.force_login(bank)
    assert 'data-testid="waiting-revision"' in c.get("/repayment/").content.decode()
    assert c.post(f"/cases/{performing.pk}/repayment/revisions/{revision.pk}/sign/").status_code == 302

    revision.refresh_from_db()
    old.refresh_from_db()
    new = plan_current(performing)
    assert revision.status == RevisionStatus.AGREED and revision.new_plan == new
    assert old.status == PlanStatus.SUPERSEDED and old.paid == Decimal("800.50")
    assert (new.version, new.status, new.total, new.paid) == (2, PlanStatus.ACTIVE, Decimal("12000.00"), 0)
    assert new.basis_number == old.basis_number  # the enforceable basis is still the 民特 ruling
    assert new.instalments.count() == 24
    assert CaseEvent.objects.filter(case=performing, kind="plan_revised").count() == 1
    assert WebhookDelivery.objects.filter(event_type="plan.revised").count() == 1
    assert AuditEntry.objects.filter(action="repayment.plan", object_id=str(new.pk)).exists()
    page = c.get(f"/cases/{performing.pk}/").content.decode()
    assert 'data-testid="plan-history"' in page and 'data-testid="plan-version-superseded"' in page
    party = Client()
    party.force_login(world.users["party"])
    assert 'data-testid="my-plan-version"' in party.get("/my/repayments/").content.decode()
    # payments now go to the new version
    p = payment_report(actor=bank, case=performing, paid_on=TODAY, amount="100.00", reference="AFTER")
    assert p.plan_id == new.pk


def test_a_defaulted_plan_gets_a_fresh_start_and_the_daily_job_follows_the_new_one(world, performing):
    first = plan_current(performing).instalments.get(seq=1).due_date
    repayment_daily(now=at(first + dt.timedelta(days=16), 10))
    assert plan_current(performing).status == PlanStatus.DEFAULTED
    later = first + dt.timedelta(days=17)
    revision = plan_revision_draft(
        actor=world.users["mediator"], case=performing, months=6, first_due=later + dt.timedelta(days=30), today=later
    )
    plan_revision_sign_counter(actor=world.users["mediator"], revision=revision)
    plan_revision_sign_creditor(actor=world.users["bank"], revision=revision)
    new = plan_current(performing)
    assert new.status == PlanStatus.ACTIVE and new.version == 2 and new.total == Decimal("12800.50")
    s = repayment_daily(now=at(later, 11))
    assert s.plans == 1
    assert plan_current(performing).status == PlanStatus.ACTIVE


def test_a_balance_that_moved_since_the_draft_voids_it(world, performing):
    revision = draft(world, performing)
    plan_revision_sign_creditor(actor=world.users["bank"], revision=revision)
    payment_report(actor=world.users["bank"], case=performing, paid_on=TODAY, amount="10.00", reference="MEANWHILE")
    done = plan_revision_sign_counter(actor=world.users["mediator"], revision=revision)
    assert done.status == RevisionStatus.VOID and "12790.50" in done.void_reason
    assert plan_current(performing).version == 1
    assert not RepaymentPlan.objects.filter(status=PlanStatus.SUPERSEDED).exists()


def test_who_may_ask_draft_and_agree(world, performing):
    with pytest.raises(NotFound):
        time_request_create(actor=world.users["stranger"], case=performing, reason="x")
    with pytest.raises(DomainError) as exc:
        time_request_create(actor=world.users["bank"], case=performing, reason="x")
    assert exc.value.code == "role"
    for who in ("bank", "clerk", "party", "judge"):
        with pytest.raises(DomainError) as exc:
            plan_revision_draft(actor=world.users[who], case=performing, months=12, first_due=TODAY)
        assert exc.value.code == "role", who
    revision = draft(world, performing)
    with pytest.raises(NotFound):
        plan_revision_sign_creditor(actor=world.users["other_bank"], revision=revision)
    with pytest.raises(DomainError) as exc:
        plan_revision_sign_creditor(actor=world.users["party"], revision=revision)
    assert exc.value.code == "role"
    with pytest.raises(DomainError) as exc:
        plan_revision_sign_counter(actor=world.users["bank"], revision=revision)
    assert exc.value.code == "role"
    # bad drafts change nothing
    before = (PlanRevision.objects.count(), CaseEvent.objects.count())
    for kwargs, code in (
        ({"months": 12, "first_due": TODAY - dt.timedelta(days=1)}, "plan_past"),
        ({"instalments": [(TODAY + dt.timedelta(days=5), Decimal("100.00"))]}, "plan_sum"),
        ({"months": 0, "first_due": TODAY}, "plan_months"),
    ):
        with pytest.raises(DomainError) as exc:
            plan_revision_draft(actor=world.users["mediator"], case=performing, **kwargs)
        assert exc.value.code == code
    assert (PlanRevision.objects.count(), CaseEvent.objects.count()) == before


def test_the_mediator_declines_a_request_with_the_reason(world, performing):
    request = time_request_create(actor=world.users["mediator"], case=performing, reason="电话中提出延期", months=6)
    assert request.via_mediator
    with pytest.raises(DomainError) as exc:
        time_request_decline(actor=world.users["mediator"], request=request, answer=" ")
    assert exc.value.code == "note_required"
    done = time_request_decline(actor=world.users["mediator"], request=request, answer="债权人不同意，建议先还本期")
    assert done.status == TimeRequestStatus.DECLINED
    party = Client()
    party.force_login(world.users["party"])
    assert "债权人不同意" in party.get("/my/repayments/").content.decode()
