"""The limitation clock: two years from the last due date (a judgment's too), run again by a part payment
or a written acknowledgement (each on the timeline), warnings to the creditor at 90, 30 and 7 days once
each, and the days left on the worklist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from xietong.cases.models import CaseEvent
from xietong.core.errors import DomainError, NotFound
from xietong.repayment.limitation import debt_acknowledge, limitation_warnings_send
from xietong.repayment.models import Acknowledgement, LimitationNotice
from xietong.repayment.rules import add_years
from xietong.repayment.selectors import JUDGMENT_DUE_AFTER_DAYS, limitation_clock, plan_current
from xietong.repayment.services import payment_report, repayment_daily
from xietong.webhooks.models import WebhookDelivery, WebhookEndpoint

from .conftest import at

TODAY = timezone.localdate()


def last_due(case) -> dt.date:
    return plan_current(case).instalments.order_by("-seq").first().due_date


def test_the_clock_runs_from_the_last_due_date(world, performing):
    clock = limitation_clock(performing)
    assert clock.starts == last_due(performing) and clock.ends == add_years(last_due(performing), 2)
    assert clock.warning is None and clock.restarted_on is None


def test_a_written_acknowledgement_runs_the_clock_again_and_says_so(world, performing):
    later = last_due(performing) + dt.timedelta(days=40)
    debt_acknowledge(
        actor=world.users["bank"], case=performing, acknowledged_on=later, note="签署还款承诺书", today=later
    )
    clock = limitation_clock(performing, today=later)
    assert clock.restarted_on == later and clock.ends == add_years(later, 2)
    assert CaseEvent.objects.filter(case=performing, kind="debt_acknowledged").count() == 1
    event = CaseEvent.objects.get(case=performing, kind="limitation_interrupted")
    assert event.data["ends"] == add_years(later, 2).isoformat()
    # one before the last due date changes nothing: the period has not begun
    debt_acknowledge(actor=world.users["clerk"], case=performing, acknowledged_on=TODAY, note="当庭确认欠款")
    assert CaseEvent.objects.filter(case=performing, kind="limitation_interrupted").count() == 1
    assert limitation_clock(performing, today=later).ends == add_years(later, 2)


def test_who_may_record_an_acknowledgement_and_bad_ones_change_nothing(world, performing):
    with pytest.raises(NotFound):
        debt_acknowledge(actor=world.users["other_bank"], case=performing, acknowledged_on=TODAY, note="x")
    for who in ("party", "mediator"):
        with pytest.raises(DomainError) as exc:
            debt_acknowledge(actor=world.users[who], case=performing, acknowledged_on=TODAY, note="x")
        assert exc.value.code == "role"
    for day, note, code in (
        (TODAY + dt.timedelta(days=1), "x", "date_future"),
        (TODAY, "  ", "note_required"),
        (TODAY - dt.timedelta(days=400), "x", "date_too_early"),
    ):
        with pytest.raises(DomainError) as exc:
            debt_acknowledge(actor=world.users["bank"], case=performing, acknowledged_on=day, note=note)
        assert exc.value.code == code
    assert not Acknowledgement.objects.exists()


def test_a_part_payment_after_the_last_due_date_runs_the_clock_again(world, performing):
    late = last_due(performing) + dt.timedelta(days=3)
    payment_report(actor=world.users["bank"], case=performing, paid_on=late, amount="100.00", reference="L", today=late)
    assert limitation_clock(performing, today=late).ends == add_years(late, 2)
    assert CaseEvent.objects.filter(case=performing, kind="limitation_interrupted").count() == 1


def test_a_judgment_without_a_schedule_has_its_clock(world):
    from tests.support.judiciary import file_case, try_case
    from xietong.cases.services import case_fail_mediation, case_start_mediation

    case = world.cases["bank"]
    case_start_mediation(case=case, actor=world.users["mediator"])
    case_fail_mediation(case=case, actor=world.users["mediator"], note="无法达成一致")
    file_case(case, world.users["clerk"])
    case = try_case(case, world.users["judge"], world.users["clerk"])
    clock = limitation_clock(case)
    decided = timezone.localdate(case.trial_outcome.decided_at)
    assert clock.starts == decided + dt.timedelta(days=JUDGMENT_DUE_AFTER_DAYS)
    assert clock.ends == add_years(clock.starts, 2)
    bank = Client()
    bank.force_login(world.users["bank"])
    page = bank.get("/repayment/").content.decode()
    assert 'data-testid="worklist-plan-judgment"' in page and 'data-testid="worklist-days-left"' in page
    assert 'data-testid="limitation-clock"' in bank.get(f"/cases/{case.pk}/").content.decode()


def test_the_creditor_is_warned_at_90_30_and_7_days_once_each(world, performing, django_capture_on_commit_callbacks):
    WebhookEndpoint.objects.create(organisation=world.bank, url="https://bank.example/hook", secret="s" * 32)
    operator = world.users["bank"]
    operator.email = "ops@psbc.example.cn"
    operator.save(update_fields=["email"])
    ends = limitation_clock(performing).ends
    mail.outbox.clear()
    for days_before, threshold in ((91, None), (90, 90), (60, 90), (30, 30), (25, 30), (6, 7), (1, 7)):
        day = ends - dt.timedelta(days=days_before)
        assert limitation_clock(performing, today=day).warning == threshold
        with django_capture_on_commit_callbacks(execute=True):
            sent = limitation_warnings_send(now=at(day, 9))
        assert sent == (1 if days_before in (90, 30, 6) else 0), days_before
    assert list(LimitationNotice.objects.order_by("sent_at").values_list("threshold", flat=True)) == [90, 30, 7]
    assert [m.to for m in mail.outbox] == [["ops@psbc.example.cn"]] * 3
    assert "6" in mail.outbox[2].subject
    assert WebhookDelivery.objects.filter(event_type="limitation.warning").count() == 3
    assert CaseEvent.objects.filter(case=performing, kind="limitation_warning").count() == 3
    # the daily job on the same day sends nothing again
    s = repayment_daily(now=at(ends - dt.timedelta(days=1), 10))
    assert s.limitation_warnings == 0 and LimitationNotice.objects.count() == 3


def test_the_worklist_shows_the_days_left(world, performing):
    bank = Client()
    bank.force_login(world.users["bank"])
    page = bank.get("/repayment/").content.decode()
    days = (limitation_clock(performing).ends - TODAY).days
    assert f"剩余 {days} 天" in page or f"{days} 天" in page
