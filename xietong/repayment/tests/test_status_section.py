"""Repayment's section of the case's status document: the plan in force, paid and owed, the next instalment;
kept equal to a fresh build through payments, waivers, the daily follow-up, a suspension and enforcement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.support.status import stored_body
from xietong.repayment.selectors import plan_current
from xietong.repayment.services import (
    enforcement_accept,
    enforcement_apply,
    instalment_waive,
    payment_report,
    plan_suspend,
    repayment_daily,
)

from .conftest import at

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_a_case_without_a_plan_has_no_section(world):
    assert stored_body(world.cases["bank"])["repayment"] is None


def test_the_section_follows_the_plan_through_payments_the_daily_job_and_enforcement(world, performing):
    bank, clerk = world.users["bank"], world.users["clerk"]
    plan = plan_current(performing)
    first, second = (i.due_date for i in plan.instalments.order_by("seq")[:2])
    doc = stored_body(performing)
    rep = doc["repayment"]
    assert rep["status"] == "active" and rep["total"] == "12800.50" and rep["paid"] == "0.00"
    assert rep["instalments"] == 3 and rep["instalments_settled"] == 0
    assert rep["next_instalment"]["seq"] == 1 and rep["next_instalment"]["due_on"] == first.isoformat()
    assert doc["next"] == {"kind": "instalment_due", "label": rep["next"]["label"], "on": first.isoformat(), "at": None}
    assert (
        set(rep["next"]["label"]) == {"zh-hans", "en"} and rep["status_label"]["zh-hans"] != rep["status_label"]["en"]
    )

    payment_report(actor=bank, case=performing, paid_on=TODAY, amount="5000.00", reference="S-1")
    rep = stored_body(performing)["repayment"]
    assert rep["paid"] == "5000.00" and rep["balance"] == "7800.50" and rep["instalments_settled"] == 1
    assert rep["next_instalment"]["seq"] == 2 and rep["next_instalment"]["due_on"] == second.isoformat()

    instalment_waive(actor=bank, case=performing, seq=2, amount="100.00", reason="减免")
    rep = stored_body(performing)["repayment"]
    assert rep["waived"] == "100.00" and rep["balance"] == "7700.50"

    # The daily follow-up writes the states and the plan's status after its events: still current.
    repayment_daily(now=at(second + dt.timedelta(days=1), 10))
    repayment_daily(now=at(second + dt.timedelta(days=16), 10))
    rep = stored_body(performing)["repayment"]
    assert rep["status"] == "defaulted"

    # Accepting enforcement closes the plan after the step's event: still current, nothing next.
    enforcement_apply(actor=bank, case=performing)
    enforcement_accept(actor=clerk, case=performing)
    doc = stored_body(performing)
    assert doc["state"] == "enforcing" and doc["repayment"]["status"] == "enforcement"
    assert doc["repayment"]["next_instalment"] is None and doc["next"] is None
    assert "执" in doc["number"]

    c = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
    assert c.get(f"/api/v1/cases/{performing.pk}/status").json() == doc


def test_a_suspension_moves_the_next_date_to_its_end(world, performing):
    plan = plan_current(performing)
    first = plan.instalments.get(seq=1).due_date
    until = first + dt.timedelta(days=10)
    plan_suspend(actor=world.users["clerk"], case=performing, reason="借款人重病住院", until=until, today=TODAY)
    rep = stored_body(performing)["repayment"]
    assert rep["status"] == "suspended"
    assert rep["next_instalment"]["due_on"] == (until + dt.timedelta(days=1)).isoformat()
    # The suspension ends: the follow-up resumes the plan (its status is written after the event).
    repayment_daily(now=at(until + dt.timedelta(days=1), 10))
    assert stored_body(performing)["repayment"]["status"] == "active"
