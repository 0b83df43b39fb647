"""The plan from the confirmed agreement, payments, completion, the daily job (idempotent), reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from xietong.audit.models import AuditEntry
from xietong.cases.choices import CaseState, PartyRole
from xietong.cases.models import CaseEvent, CaseParty
from xietong.core.errors import DomainError, NotFound
from xietong.repayment.choices import InstalmentState, PlanStatus, ReminderKind
from xietong.repayment.models import Payment, PlanInstalment, Reminder, RepaymentPlan
from xietong.repayment.selectors import plan_current
from xietong.repayment.services import payment_report, plan_follow, repayment_daily
from xietong.webhooks.models import WebhookDelivery, WebhookEndpoint

from .conftest import at

TODAY = timezone.localdate()


def plan_of(case) -> RepaymentPlan:
    plan = plan_current(case)
    assert plan is not None
    return plan


def states(plan) -> list[str]:
    return list(PlanInstalment.objects.filter(plan=plan).order_by("seq").values_list("state", flat=True))


def counts() -> tuple[int, int, int, int, int]:
    return (
        Payment.objects.count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.count(),
        Reminder.objects.count(),
        WebhookDelivery.objects.count(),
    )


def test_confirmation_makes_the_plan_from_the_signed_agreement(world, performing):
    plan = plan_of(performing)
    assert performing.state == CaseState.PERFORMING
    assert plan.total == Decimal("12800.50") == plan.agreement.agreed
    assert plan.basis_kind == "confirmation" and "民特" in plan.basis_number
    assert (plan.grace_days, plan.default_after_missed, plan.accelerate) == (15, 1, True)
    rows = list(plan.instalments.order_by("seq"))
    assert [r.amount for r in rows] == [Decimal("4266.83"), Decimal("4266.83"), Decimal("4266.84")]
    assert states(plan) == [InstalmentState.SCHEDULED] * 3
    assert CaseEvent.objects.filter(case=performing, kind="repayment_plan_created").count() == 1


def test_a_payment_settles_the_oldest_instalment_first_and_carries_the_rest(world, performing):
    bank = world.users["bank"]
    payment_report(actor=bank, case=performing, paid_on=TODAY, amount="5000.00", reference="TX-1")
    plan = plan_of(performing)
    rows = list(plan.instalments.order_by("seq"))
    assert [r.paid for r in rows] == [Decimal("4266.83"), Decimal("733.17"), Decimal("0.00")]
    assert states(plan) == [InstalmentState.PAID, InstalmentState.PART_PAID, InstalmentState.SCHEDULED]
    assert plan.paid == Decimal("5000.00") and plan.balance == Decimal("7800.50")
    assert Payment.objects.get(reference="TX-1").allocation == [
        {"seq": 1, "amount": "4266.83"},
        {"seq": 2, "amount": "733.17"},
    ]
    assert AuditEntry.objects.filter(action="repayment.payment").count() == 1


@pytest.mark.parametrize(
    ("amount", "paid_on", "code"),
    [
        ("0", TODAY, "amount_not_positive"),
        ("-1", TODAY, "amount_negative"),
        ("0.001", TODAY, "amount_cents"),
        ("abc", TODAY, "amount"),
        ("12800.51", TODAY, "amount_above_balance"),
        ("10.00", TODAY + dt.timedelta(days=1), "paid_on_future"),
    ],
)
def test_bad_payments_are_refused_and_change_nothing(world, performing, amount, paid_on, code):
    before = counts()
    with pytest.raises(DomainError) as exc:
        payment_report(actor=world.users["bank"], case=performing, paid_on=paid_on, amount=amount, reference="R")
    assert exc.value.code == code
    assert counts() == before
    assert plan_of(performing).paid == 0


def test_a_double_submitted_report_is_refused(world, performing):
    bank = world.users["bank"]
    payment_report(actor=bank, case=performing, paid_on=TODAY, amount="100.00", reference="TX-9")
    before = counts()
    with pytest.raises(DomainError) as exc:
        payment_report(actor=bank, case=performing, paid_on=TODAY, amount="100.00", reference="TX-9")
    assert exc.value.code == "payment_duplicate"
    assert counts() == before
    assert plan_of(performing).paid == Decimal("100.00")


def test_only_the_creditor_reports_and_another_bank_cannot_see_the_case(world, performing):
    before = counts()
    with pytest.raises(NotFound):
        payment_report(actor=world.users["other_bank"], case=performing, paid_on=TODAY, amount="1", reference="X")
    with pytest.raises(DomainError) as exc:
        payment_report(actor=world.users["clerk"], case=performing, paid_on=TODAY, amount="1", reference="X")
    assert exc.value.code == "not_creditor"
    assert counts() == before


def test_the_last_fen_fulfils_the_case_by_the_system_and_a_closed_plan_takes_nothing(
    world, performing, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(organisation=world.bank, url="https://bank.example/hook", secret="s" * 32)
    bank = world.users["bank"]
    with django_capture_on_commit_callbacks(execute=False):
        payment_report(actor=bank, case=performing, paid_on=TODAY, amount="12800.49", reference="A")
        payment_report(actor=bank, case=performing, paid_on=TODAY, amount="0.01", reference="B")
    performing.refresh_from_db()
    plan = plan_of(performing)
    assert performing.state == CaseState.FULFILLED and performing.closed_at is not None
    assert plan.status == PlanStatus.COMPLETED and plan.balance == 0
    fulfil = CaseEvent.objects.get(case=performing, kind="fulfil")
    assert fulfil.actor_label == "system"
    types = list(WebhookDelivery.objects.order_by("pk").values_list("event_type", flat=True))
    assert types == ["instalment.paid", "instalment.paid", "instalment.paid", "plan.completed"]
    before = counts()
    with pytest.raises(DomainError) as exc:
        payment_report(actor=bank, case=performing, paid_on=TODAY, amount="1.00", reference="C")
    assert exc.value.code == "plan_closed"
    assert counts() == before


def test_marking_fulfilled_by_hand_is_refused_while_a_balance_is_outstanding(world, performing):
    from xietong.cases.services import case_fulfil

    with pytest.raises(DomainError) as exc:
        case_fulfil(case=performing, actor=world.users["bank"])
    assert exc.value.code == "balance_outstanding"


# The daily job ------------------------------------------------------------------------------------


def test_the_daily_job_marks_late_then_missed_and_defaults_by_the_terms(
    world, performing, outbox, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(organisation=world.bank, url="https://bank.example/hook", secret="s" * 32)
    plan = plan_of(performing)
    first = plan.instalments.get(seq=1).due_date
    with django_capture_on_commit_callbacks(execute=False):
        repayment_daily(now=at(first + dt.timedelta(days=1), 10))
    assert states(plan) == [InstalmentState.LATE, InstalmentState.SCHEDULED, InstalmentState.SCHEDULED]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    with django_capture_on_commit_callbacks(execute=False):
        repayment_daily(now=at(first + dt.timedelta(days=16), 10))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DEFAULTED and plan.defaulted_at is not None
    # acceleration: the whole balance fell due
    assert states(plan) == [InstalmentState.MISSED, InstalmentState.DUE, InstalmentState.DUE]
    kinds = set(CaseEvent.objects.filter(case=performing).values_list("kind", flat=True))
    assert {"instalment_state_changed", "plan_defaulted"} <= kinds
    types = list(WebhookDelivery.objects.order_by("pk").values_list("event_type", flat=True))
    assert types == ["instalment.missed", "plan.defaulted"]


def test_without_acceleration_and_two_missed_needed_the_plan_waits(world, performing):
    plan = plan_of(performing)
    RepaymentPlan.objects.filter(pk=plan.pk).update(default_after_missed=2, accelerate=False)
    first = plan.instalments.get(seq=1).due_date
    repayment_daily(now=at(first + dt.timedelta(days=16), 10))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert states(plan) == [InstalmentState.MISSED, InstalmentState.SCHEDULED, InstalmentState.SCHEDULED]


def test_running_the_daily_job_twice_on_a_day_changes_nothing_and_sends_nothing_twice(
    world, performing, outbox, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(organisation=world.bank, url="https://bank.example/hook", secret="s" * 32)
    plan = plan_of(performing)
    first = plan.instalments.get(seq=1).due_date
    for day in (first - dt.timedelta(days=3), first, first + dt.timedelta(days=16)):
        with django_capture_on_commit_callbacks(execute=True):
            repayment_daily(now=at(day, 10))
        snapshot = (counts(), len(outbox), states(plan))
        with django_capture_on_commit_callbacks(execute=True):
            again = repayment_daily(now=at(day, 15))
        assert (counts(), len(outbox), states(plan)) == snapshot
        assert (again.state_changes, again.reminders, again.defaulted) == (0, 0, 0)
    assert [r.kind for r in Reminder.objects.order_by("pk")] == [ReminderKind.BEFORE_3, ReminderKind.ON_DAY]


def test_reminders_three_before_on_the_day_one_and_seven_after_at_most_four(world, performing, outbox):
    plan = plan_of(performing)
    RepaymentPlan.objects.filter(pk=plan.pk).update(grace_days=30)  # stays late (not defaulted) for 8 days
    first = plan.instalments.get(seq=1)
    for offset in range(-5, 12):
        repayment_daily(now=at(first.due_date + dt.timedelta(days=offset), 10))
    kinds = list(Reminder.objects.filter(instalment=first).order_by("sent_at").values_list("kind", flat=True))
    assert kinds == [ReminderKind.BEFORE_3, ReminderKind.ON_DAY, ReminderKind.AFTER_1, ReminderKind.AFTER_7]
    assert CaseEvent.objects.filter(case=performing, kind="reminder_sent").count() == 4


def test_no_reminder_once_paid(world, performing, outbox, django_capture_on_commit_callbacks):
    plan = plan_of(performing)
    first = plan.instalments.get(seq=1)
    payment_report(actor=world.users["bank"], case=performing, paid_on=TODAY, amount="4266.83", reference="P1")
    with django_capture_on_commit_callbacks(execute=True):
        repayment_daily(now=at(first.due_date, 10))
    assert not Reminder.objects.filter(instalment=first).exists()
    assert outbox == []


def _move_debtor_to(world, tz: str) -> None:
    # the party user acts for the borrower: reminders go to the acting relative, in their time zone
    relative = world.persons["relative"]
    relative.timezone = tz
    relative.save(update_fields=["timezone"])


def test_quiet_hours_hold_a_reminder_back_until_eight_in_jakarta(
    world, performing, outbox, django_capture_on_commit_callbacks
):
    _move_debtor_to(world, "Asia/Jakarta")
    plan = plan_of(performing)
    due = plan.instalments.get(seq=1).due_date
    # 08:30 in Beijing is 07:30 in Jakarta: held back
    with django_capture_on_commit_callbacks(execute=True):
        s = repayment_daily(now=at(due, 8).replace(minute=30))
    assert (s.reminders, s.held_back) == (0, 1) and outbox == []
    # 09:00 in Beijing is 08:00 in Jakarta: sent, and its local time recorded
    with django_capture_on_commit_callbacks(execute=True):
        s = repayment_daily(now=at(due, 9))
    assert s.reminders == 1 and len(outbox) == 1
    reminder = Reminder.objects.get()
    assert reminder.kind == ReminderKind.ON_DAY and reminder.local_time.endswith("08:00+07:00")
    # The timeline names the debtor's zone as people say it, in the reader's language.
    event = CaseEvent.objects.get(case=performing, kind="reminder_sent")
    with translation.override("zh-hans"):
        assert f"已于雅加达时间 (UTC+7) {due.isoformat()} 08:00 发送至" in event.detail
    with translation.override("en"):
        assert event.detail.endswith(f"at {due.isoformat()} 08:00 Jakarta time (UTC+7).")
    assert outbox[0].to == world.persons["relative"].phone
    # 21:30 in Jakarta (22:30 Beijing) the next day: the one-day-after reminder waits
    with django_capture_on_commit_callbacks(execute=True):
        s = repayment_daily(now=at(due + dt.timedelta(days=1), 22).replace(minute=30))
    assert (s.reminders, s.held_back) == (0, 1) and len(outbox) == 1


def test_a_citizen_who_applied_is_reminded_as_the_debtor(world, performing, outbox, django_capture_on_commit_callbacks):
    # A citizen's own application: the citizen applies, the bank responds; the citizen still owes.
    CaseParty.objects.filter(case=performing, person__isnull=False).update(role=PartyRole.APPLICANT)
    CaseParty.objects.filter(case=performing, organisation__isnull=False).update(role=PartyRole.RESPONDENT)
    due = plan_of(performing).instalments.get(seq=1).due_date
    with django_capture_on_commit_callbacks(execute=True):
        s = repayment_daily(now=at(due, 10))
    assert s.reminders == 1 and [m.to for m in outbox] == [world.persons["relative"].phone]


def test_the_debtors_own_date_decides_which_reminder(world, performing, outbox):
    _move_debtor_to(world, "America/Los_Angeles")
    plan = plan_of(performing)
    due = plan.instalments.get(seq=1).due_date
    # 10:00 Beijing on the due date is 18:00 the day before in Los Angeles: three days before? no — one day before
    repayment_daily(now=at(due, 10))
    assert not Reminder.objects.exists()
    # 10:00 Beijing the day after the due date is 18:00 on the due date in Los Angeles
    repayment_daily(now=at(due + dt.timedelta(days=1), 10))
    assert list(Reminder.objects.values_list("kind", flat=True)) == [ReminderKind.ON_DAY]


def test_a_plan_is_followed_under_its_lock_and_a_closed_case_is_left_alone(world, performing):
    plan = plan_of(performing)
    RepaymentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.COMPLETED)
    first = plan.instalments.get(seq=1).due_date
    s = plan_follow(plan=plan.pk, now=at(first + dt.timedelta(days=40), 10))
    assert s.plans == 0
    assert states(plan) == [InstalmentState.SCHEDULED] * 3


def test_a_hardship_suspension_pauses_reminders_and_lateness_until_its_end(world, performing, outbox):
    from xietong.repayment.services import plan_suspend

    plan = plan_of(performing)
    first = plan.instalments.get(seq=1).due_date
    with pytest.raises(DomainError) as exc:
        plan_suspend(actor=world.users["bank"], case=performing, reason="重病", until=first)
    assert exc.value.code == "role"
    with pytest.raises(DomainError) as exc:
        plan_suspend(actor=world.users["clerk"], case=performing, reason=" ", until=first)
    assert exc.value.code == "note_required"
    until = first + dt.timedelta(days=20)
    plan_suspend(actor=world.users["clerk"], case=performing, reason="借款人重病住院", until=until)
    assert states(plan) == [InstalmentState.SUSPENDED] * 3
    for offset in (-3, 0, 1, 7, 16):
        repayment_daily(now=at(first + dt.timedelta(days=offset), 10))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUSPENDED and not Reminder.objects.exists()
    # the day after the end: resumed; the first instalment is due again from that day
    repayment_daily(now=at(until + dt.timedelta(days=1), 10))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert states(plan)[0] == InstalmentState.DUE
    assert list(Reminder.objects.values_list("kind", flat=True)) == [ReminderKind.ON_DAY]
    repayment_daily(now=at(until + dt.timedelta(days=17), 10))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DEFAULTED  # late, then missed, counted from the end of the suspension
    kinds = list(CaseEvent.objects.filter(case=performing).values_list("kind", flat=True))
    assert "plan_suspended" in kinds and "plan_resumed" in kinds


def test_the_command_and_the_task_run_the_daily_follow_up(world, performing):
    from io import StringIO

    from django.core.management import call_command

    from xietong.repayment.tasks import repayment_daily_task

    out = StringIO()
    call_command("repayment_daily", stdout=out)
    assert "plans 1," in out.getvalue() and "errors 0" in out.getvalue()
    result = repayment_daily_task.enqueue()  # the test settings run tasks at once
    assert result.return_value["plans"] == 1 and result.return_value["state_changes"] == 0
