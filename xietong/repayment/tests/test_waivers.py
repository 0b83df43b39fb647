"""The creditor waives (part of) an instalment: with a reason, within the one waiver rule, on the timeline
and in the audit trail; a wholly waived instalment is never late; the last fen waived completes the plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from xietong.audit.models import AuditEntry
from xietong.cases.choices import CaseState
from xietong.cases.models import CaseEvent
from xietong.core.errors import DomainError, NotFound
from xietong.repayment.choices import InstalmentState, PlanStatus
from xietong.repayment.models import PlanInstalment, Waiver
from xietong.repayment.selectors import plan_current
from xietong.repayment.services import instalment_waive, payment_report, repayment_daily

from .conftest import at, make_performing

TODAY = timezone.localdate()


def inst(case, seq: int) -> PlanInstalment:
    return plan_current(case).instalments.get(seq=seq)


def test_a_part_waiver_lowers_what_the_instalment_owes_and_a_payment_settles_the_rest(world, performing):
    bank = world.users["bank"]
    w = instalment_waive(actor=bank, case=performing, seq=1, amount="266.83", reason="免除部分罚息，借款人重病")
    first = inst(performing, 1)
    assert (first.waived, first.outstanding, first.state) == (
        Decimal("266.83"),
        Decimal("4000.00"),
        InstalmentState.SCHEDULED,
    )
    plan = plan_current(performing)
    assert plan.waived == Decimal("266.83") and plan.balance == Decimal("12533.67")
    event = CaseEvent.objects.get(case=performing, kind="instalment_waived")
    assert "免除部分罚息" in event.note and event.data["waiver"] == w.pk
    entry = AuditEntry.objects.get(action="repayment.waiver")
    assert entry.after["reason"] == "免除部分罚息，借款人重病" and entry.after["balance"] == "12533.67"
    payment = payment_report(actor=bank, case=performing, paid_on=TODAY, amount="4000.00", reference="R-1")
    assert payment.allocation == [{"seq": 1, "amount": "4000.00"}]
    assert inst(performing, 1).state == InstalmentState.PAID


def test_a_wholly_waived_instalment_is_never_late_and_payments_pass_it_by(world, django_capture_on_commit_callbacks):
    case = make_performing(world, world.cases["bank"], django_capture_on_commit_callbacks, months=24)
    bank = world.users["bank"]
    whole = inst(case, 1).amount  # 525.04 of 12,601.00: within the interest left to waive (800.50)
    instalment_waive(actor=bank, case=case, seq=1, amount=whole, reason="首期利息全免")
    assert inst(case, 1).state == InstalmentState.WAIVED
    first = inst(case, 1).due_date
    repayment_daily(now=at(first + dt.timedelta(days=20), 10))
    assert plan_current(case).status == PlanStatus.ACTIVE and inst(case, 1).state == InstalmentState.WAIVED
    payment = payment_report(actor=bank, case=case, paid_on=TODAY, amount="100.00", reference="R-2")
    assert payment.allocation == [{"seq": 2, "amount": "100.00"}]


def test_waivers_add_up_within_the_one_rule_and_bad_requests_change_nothing(world, performing):
    bank = world.users["bank"]
    # the case: interest 800.50 + penalty 199.50; the agreement already waived the penalty
    instalment_waive(actor=bank, case=performing, seq=2, amount="500.00", reason="第一次减免")
    before = (Waiver.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DomainError) as exc:
        instalment_waive(actor=bank, case=performing, seq=3, amount="300.51", reason="超出")
    assert exc.value.code == "waived_too_much" and "1000.00" in str(exc.value.message)
    for kwargs, code in (
        ({"seq": 3, "amount": "10", "reason": "  "}, "note_required"),
        ({"seq": 3, "amount": "0", "reason": "r"}, "amount_not_positive"),
        ({"seq": 3, "amount": "-1", "reason": "r"}, "amount_negative"),
        ({"seq": 9, "amount": "10", "reason": "r"}, "no_instalment"),
        ({"seq": 2, "amount": "3766.84", "reason": "r"}, "amount_above_outstanding"),
    ):
        with pytest.raises(DomainError) as exc:
            instalment_waive(actor=bank, case=performing, **kwargs)
        assert exc.value.code == code, kwargs
    with pytest.raises(NotFound):
        instalment_waive(actor=world.users["other_bank"], case=performing, seq=3, amount="1", reason="r")
    with pytest.raises(DomainError) as exc:
        instalment_waive(actor=world.users["clerk"], case=performing, seq=3, amount="1", reason="r")
    assert exc.value.code == "not_creditor"
    assert (Waiver.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count()) == before
    instalment_waive(actor=bank, case=performing, seq=3, amount="300.50", reason="减免全部剩余利息")


def test_the_last_fen_waived_completes_the_plan_and_fulfils_the_case(world, performing):
    bank = world.users["bank"]
    payment_report(actor=bank, case=performing, paid_on=TODAY, amount="12500.50", reference="ALL-BUT")
    waiver = instalment_waive(actor=bank, case=performing, seq=3, amount="300.00", reason="尾款减免")
    performing.refresh_from_db()
    plan = plan_current(performing)
    assert plan.status == PlanStatus.COMPLETED and plan.balance == 0 and waiver.amount == Decimal("300.00")
    assert inst(performing, 3).state == InstalmentState.PAID  # part paid, the rest waived: settled
    assert performing.state == CaseState.FULFILLED


def test_the_creditor_waives_on_the_case_page(world, performing):
    bank = Client()
    bank.force_login(world.users["bank"])
    page = bank.get(f"/cases/{performing.pk}/").content.decode()
    assert 'data-testid="waiver-form"' in page
    resp = bank.post(
        f"/cases/{performing.pk}/repayment/waive/", {"seq": "2", "amount": "100.00", "reason": "协商减免"}, follow=True
    )
    assert 'data-testid="waivers"' in resp.content.decode()
    assert inst(performing, 2).waived == Decimal("100.00")
    party = Client()
    party.force_login(world.users["party"])
    assert 'data-testid="waiver-form"' not in party.get(f"/cases/{performing.pk}/").content.decode()


def test_payments_and_waivers_in_any_order_never_lose_or_create_a_fen(world, django_capture_on_commit_callbacks):
    import random

    case = make_performing(world, world.cases["bank"], django_capture_on_commit_callbacks, months=12)
    bank = world.users["bank"]
    rng = random.Random(20261207)
    paid = waived = Decimal("0.00")
    for n in range(40):
        plan = plan_current(case)
        if plan.balance == 0:
            break
        open_rows = [i for i in plan.instalments.all() if i.outstanding > 0]
        if rng.random() < 0.3 and waived < Decimal("800.00"):
            target = rng.choice(open_rows)
            amount = min(target.outstanding, Decimal(rng.randint(1, 9000)) / 100, Decimal("800.50") - waived)
            instalment_waive(actor=bank, case=case, seq=target.seq, amount=amount, reason="随机减免")
            waived += amount
        else:
            amount = min(plan.balance, Decimal(rng.randint(1, 300000)) / 100)
            payment_report(actor=bank, case=case, paid_on=TODAY, amount=amount, reference=f"RND-{n}")
            paid += amount
        plan = plan_current(case) or type(plan).objects.get(pk=plan.pk)
        rows = list(plan.instalments.all())
        assert sum(i.paid for i in rows) == plan.paid == paid
        assert sum(i.waived for i in rows) == plan.waived == waived
        assert all(0 <= i.paid + i.waived <= i.amount for i in rows)
        assert plan.balance == plan.total - paid - waived == sum(i.outstanding for i in rows)
