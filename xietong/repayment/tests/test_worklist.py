"""The creditor's worklist: defaulted plans first, 50 a page with the counts; the payment form's messages."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from tests.support.world import more_cases
from xietong.cases.models import CaseEvent
from xietong.repayment.choices import PlanStatus
from xietong.repayment.models import Payment, RepaymentPlan
from xietong.repayment.selectors import creditor_worklist, plan_current
from xietong.repayment.services import repayment_daily

from .conftest import at, make_performing


def test_defaulted_plans_come_first_then_enforcement_then_the_ones_being_repaid(
    world, django_capture_on_commit_callbacks
):
    cases = [
        make_performing(world, c, django_capture_on_commit_callbacks, months=2)
        for c in [world.cases["bank"], *more_cases(world, 3)]
    ]
    plans = [plan_current(c) for c in cases]
    # statuses whose alphabetical order is the wrong one: active < completed < defaulted < enforcement
    RepaymentPlan.objects.filter(pk=plans[0].pk).update(status=PlanStatus.ACTIVE)
    RepaymentPlan.objects.filter(pk=plans[1].pk).update(status=PlanStatus.SUSPENDED)
    RepaymentPlan.objects.filter(pk=plans[2].pk).update(
        status=PlanStatus.DEFAULTED, defaulted_at=at(dt.date(2026, 3, 2), 10)
    )
    RepaymentPlan.objects.filter(pk=plans[3].pk).update(
        status=PlanStatus.DEFAULTED, defaulted_at=at(dt.date(2026, 3, 1), 10)
    )
    order = [c.plan_id for c in creditor_worklist(actor=world.users["bank"])]
    assert order == [plans[3].pk, plans[2].pk, plans[1].pk, plans[0].pk]


def test_the_worklist_pages_by_fifty_and_counts_each_status(world, django_capture_on_commit_callbacks):
    cases = [
        make_performing(world, c, django_capture_on_commit_callbacks, months=1)
        for c in [world.cases["bank"], *more_cases(world, 51)]
    ]
    first = plan_current(cases[0])
    RepaymentPlan.objects.filter(pk=first.pk).update(status=PlanStatus.DEFAULTED, defaulted_at=at(dt.date.today(), 9))
    bank = Client()
    bank.force_login(world.users["bank"])
    page1 = bank.get("/repayment/").content.decode()
    assert page1.count('data-testid="worklist-plan-') == 50
    assert 'data-testid="worklist-plan-defaulted"' in page1  # first, on page 1
    assert 'data-testid="worklist-count-defaulted"' in page1 and 'data-testid="worklist-count-active"' in page1
    assert "已违约 1" in page1 and "履行中 51" in page1
    page2 = bank.get("/repayment/?page=2").content.decode()
    assert page2.count('data-testid="worklist-plan-') == 2
    other = Client()
    other.force_login(world.users["other_bank"])
    assert 'data-testid="worklist-plan-' not in other.get("/repayment/").content.decode()


def test_a_payment_of_zero_or_minus_one_on_the_page_says_why(world, performing):
    bank = Client()
    bank.force_login(world.users["bank"])
    url = f"/cases/{performing.pk}/repayment/payments/"
    for amount, words in (("0", "须大于零"), ("-1", "不能为负数")):
        resp = bank.post(url, {"paid_on": dt.date.today().isoformat(), "amount": amount, "reference": "R"}, follow=True)
        page = resp.content.decode()
        assert words in page, amount
        assert "未作任何更改" in page
    assert not Payment.objects.exists()


def test_acceleration_puts_each_instalment_falling_due_on_the_timeline(world, performing):
    plan = plan_current(performing)
    first = plan.instalments.get(seq=1).due_date
    repayment_daily(now=at(first + dt.timedelta(days=16), 10))
    accelerated = CaseEvent.objects.filter(case=performing, kind="instalment_state_changed", data__accelerated=True)
    assert sorted(e.data["seq"] for e in accelerated) == [2, 3]
    assert all(e.data["to"] == "due" for e in accelerated)


def test_the_court_sees_the_applications_waiting_for_it(world, performing):
    from xietong.repayment.services import enforcement_apply

    plan = plan_current(performing)
    first = plan.instalments.get(seq=1).due_date
    repayment_daily(now=at(first + dt.timedelta(days=16), 10))
    enforcement_apply(actor=world.users["bank"], case=performing)
    clerk = Client()
    clerk.force_login(world.users["clerk"])
    assert 'data-testid="waiting-application"' in clerk.get("/repayment/").content.decode()
    other = Client()
    other.force_login(world.users["other_judge"])
    assert 'data-testid="waiting-application"' not in other.get("/repayment/").content.decode()
    bank = Client()
    bank.force_login(world.users["bank"])
    assert 'data-testid="waiting-application"' not in bank.get("/repayment/").content.decode()


def test_the_worklist_page_costs_the_same_queries_for_ten_plans_as_for_thirty(
    world, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cases = [make_performing(world, c, django_capture_on_commit_callbacks, months=1) for c in more_cases(world, 30)]
    bank = Client()
    bank.force_login(world.users["bank"])
    bank.get("/repayment/")  # warm the session and the caches

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert bank.get("/repayment/").status_code == 200
        return len(ctx.captured_queries)

    thirty = queries()
    from xietong.repayment.models import RepaymentPlan

    RepaymentPlan.objects.filter(case__in=cases[10:]).delete()
    page = bank.get("/repayment/").content.decode()
    assert page.count('data-testid="worklist-plan-active"') == 10
    assert queries() == thirty
