"""The automatic performance rate (自动履行率): plans repaid in full without enforcement, of the plans that
ended, per creditor, court and district; what the figures app imports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from tests.support.world import more_cases
from xietong.cases.models import Case
from xietong.parties.models import Address
from xietong.repayment.revisions import plan_revision_draft, plan_revision_sign_counter, plan_revision_sign_creditor
from xietong.repayment.selectors import PerformanceRate, performance_rate, performance_rates, plan_current
from xietong.repayment.services import enforcement_accept, enforcement_apply, payment_report, plan_follow

from .conftest import at, make_performing

TODAY = timezone.localdate()


def default(case) -> None:
    plan = plan_current(case)
    first = plan.instalments.get(seq=1).due_date
    plan_follow(plan=plan, now=at(first + dt.timedelta(days=16), 10))


def pay_all(world, case, ref: str, who: str = "bank") -> None:
    payment_report(actor=world.users[who], case=case, paid_on=TODAY, amount=plan_current(case).balance, reference=ref)


def test_the_rate_counts_plans_repaid_without_enforcement_of_those_that_ended(
    world, django_capture_on_commit_callbacks
):
    cap = django_capture_on_commit_callbacks
    a, b, c, d, e = (make_performing(world, x, cap, months=2) for x in more_cases(world, 5))
    theirs = make_performing(world, world.cases["other_bank"], cap, months=2)
    pay_all(world, a, "A")  # repaid: automatic
    default(b)  # defaulted, enforced
    enforcement_apply(actor=world.users["bank"], case=b)
    enforcement_accept(actor=world.users["clerk"], case=b)
    default(c)  # defaulted, then repaid before anyone applied: automatic
    pay_all(world, c, "C")
    # d is being repaid: not ended
    default(e)  # defaulted, then given a new plan: only the new version counts, and it has not ended
    mediator = world.users["mediator"]
    revision = plan_revision_draft(
        actor=mediator, case=e, months=3, first_due=TODAY + dt.timedelta(days=40), today=TODAY
    )
    plan_revision_sign_counter(actor=mediator, revision=revision)
    plan_revision_sign_creditor(actor=world.users["bank"], revision=revision)
    pay_all(world, theirs, "T", who="other_bank")
    assert plan_current(d).status == "active" and plan_current(e).version == 2

    rows = {r.institution_id: r for r in performance_rates(by=("institution",))}
    assert rows[world.bank.pk] == PerformanceRate(ended=3, automatic=2, institution_id=world.bank.pk)
    assert rows[world.bank.pk].rate == Decimal("0.667") and rows[world.bank.pk].percent == Decimal("66.7")
    assert rows[world.other_bank.pk] == PerformanceRate(ended=1, automatic=1, institution_id=world.other_bank.pk)
    # restricted to what a bank may see: its own cases only
    mine = performance_rate(cases=Case.objects.restrict(world.users["bank"]))
    assert (mine.ended, mine.automatic) == (3, 2)
    # per court and per district (the debtor's first mainland address)
    Address.objects.create(
        person=a.parties.get(person__isnull=False).person, kind="domicile", region="350802", line="x"
    )
    by_district = {r.district: (r.ended, r.automatic) for r in performance_rates(by=("district",))}
    assert by_district == {"350802": (1, 1), None: (3, 2)}
    by_both = performance_rates(by=("institution", "court"))
    assert {(r.institution_id, r.court_id) for r in by_both} == {
        (world.bank.pk, world.court.pk),
        (world.other_bank.pk, world.court.pk),
    }
    # a window by the day the plans ended (the defaults here were followed as of days ahead)
    assert performance_rates(ended_from=TODAY + dt.timedelta(days=400)) == []
    assert performance_rate(ended_from=TODAY + dt.timedelta(days=1)) == PerformanceRate(ended=1, automatic=0)
    assert performance_rate(ended_until=TODAY - dt.timedelta(days=1)).ended == 0
    # on the worklist: the bank's own rate; the court sees it per creditor
    bank = Client()
    bank.force_login(world.users["bank"])
    page = bank.get("/repayment/").content.decode()
    assert 'data-testid="performance-rate-percent">66.7%<' in page
    assert 'data-testid="performance-by-creditor"' not in page
    clerk = Client()
    clerk.force_login(world.users["clerk"])
    page = clerk.get("/repayment/").content.decode()
    assert 'data-testid="performance-by-creditor"' in page and "75.0%" in page


def test_an_unknown_grouping_is_a_mistake_of_the_caller():
    import pytest

    with pytest.raises(ValueError):
        performance_rates(by=("bank",))
