"""The API: report a payment with Idempotency-Key, read the plan; bank A never sees bank B's payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from xietong.repayment.models import Payment
from xietong.repayment.services import payment_report

from .conftest import make_performing

TODAY = timezone.localdate().isoformat()


def api(token: str) -> Client:
    c = Client()
    c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def post(client: Client, case_id: int, body: dict, key: str | None = "k-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/cases/{case_id}/payments", body, content_type="application/json", **headers)


def test_a_payment_through_the_api_and_its_retry(world, performing):
    c = api(world.api_token)
    body = {"paid_on": TODAY, "amount": "5000.00", "reference": "CORE-1"}
    first = post(c, performing.pk, body)
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["created"] is True
    assert data["payment"]["allocation"] == [{"seq": 1, "amount": "4266.83"}, {"seq": 2, "amount": "733.17"}]
    assert data["plan"]["balance"] == "7800.50"
    retry = post(c, performing.pk, body)
    assert retry.status_code == 200 and retry.json()["created"] is False
    assert retry.json()["payment"]["id"] == data["payment"]["id"]
    assert Payment.objects.count() == 1
    reused = post(c, performing.pk, {**body, "amount": "1.00"})
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"
    missing = post(c, performing.pk, {**body, "reference": "CORE-2"}, key=None)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "idempotency_key_missing"
    assert Payment.objects.count() == 1

    plan = c.get(f"/api/v1/cases/{performing.pk}/repayment").json()["plan"]
    assert [i["state"] for i in plan["instalments"]] == ["paid", "part_paid", "scheduled"]
    assert plan["default_terms"] == {"grace_days": 15, "default_after_missed": 1, "accelerate": True}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "0", "reference": "a"}, 400, "amount_not_positive"),
        ({"amount": "-1", "reference": "a"}, 400, "amount_negative"),
        ({"amount": "1.00", "reference": "a", "future": True}, 400, "paid_on_future"),
        ({"amount": "1.00", "reference": ""}, 400, "reference_required"),
    ],
)
def test_bad_payments_through_the_api(world, performing, body, status, code):
    paid_on = timezone.localdate() + dt.timedelta(days=1 if body.pop("future", False) else 0)
    resp = post(api(world.api_token), performing.pk, {"paid_on": paid_on.isoformat(), **body})
    assert resp.status_code == status, resp.content
    assert resp.json()["error"]["code"] == code
    assert Payment.objects.count() == 0


def test_bank_b_cannot_report_or_see_bank_as_payments(world, performing, django_capture_on_commit_callbacks):
    payment_report(
        actor=world.users["bank"], case=performing, paid_on=timezone.localdate(), amount="10.00", reference="A-1"
    )
    other = api(world.other_api_token)
    assert post(other, performing.pk, {"paid_on": TODAY, "amount": "1.00", "reference": "B-1"}).status_code == 404
    assert other.get(f"/api/v1/cases/{performing.pk}/repayment").status_code == 404
    # bank B's own case, being repaid: bank A sees nothing of it, bank B sees only its own payments
    case_b = make_performing(world, world.cases["other_bank"], django_capture_on_commit_callbacks)
    assert post(other, case_b.pk, {"paid_on": TODAY, "amount": "1.00", "reference": "B-1"}, key="b").status_code == 201
    mine = api(world.api_token)
    assert mine.get(f"/api/v1/cases/{case_b.pk}/repayment").status_code == 404
    assert post(mine, case_b.pk, {"paid_on": TODAY, "amount": "1.00", "reference": "A-2"}, key="a").status_code == 404
    seen = other.get(f"/api/v1/cases/{case_b.pk}/repayment").json()["plan"]["payments"]
    assert [p["reference"] for p in seen] == ["B-1"]
    assert Payment.objects.filter(case=case_b).count() == 1
    assert Payment.objects.get(case=case_b).amount == Decimal("1.00")


def test_the_case_page_panel_and_form_for_the_creditors_operator(world, performing):
    bank = Client()
    bank.force_login(world.users["bank"])
    page = bank.get(f"/cases/{performing.pk}/").content.decode()
    assert 'data-testid="repayment-panel"' in page and 'data-testid="payment-form"' in page
    resp = bank.post(
        f"/cases/{performing.pk}/repayment/payments/", {"paid_on": TODAY, "amount": "100.00", "reference": "W-1"}
    )
    assert resp.status_code == 302
    again = bank.post(
        f"/cases/{performing.pk}/repayment/payments/",
        {"paid_on": TODAY, "amount": "100.00", "reference": "W-1"},
        follow=True,
    )
    assert "W-1" in again.content.decode()
    assert Payment.objects.count() == 1  # the double click changed nothing
    clerk = Client()
    clerk.force_login(world.users["clerk"])
    page = clerk.get(f"/cases/{performing.pk}/").content.decode()
    assert 'data-testid="repayment-panel"' in page and 'data-testid="payment-form"' not in page
    bad = bank.post(f"/cases/{performing.pk}/repayment/payments/", {"paid_on": TODAY, "amount": "0", "reference": "z"})
    assert bad.status_code == 302 and Payment.objects.count() == 1


def test_the_worklist_shows_the_defaulted_plan_and_its_clock_to_its_creditor_only(world, performing):
    import datetime as dt

    from xietong.repayment.services import repayment_daily

    from .conftest import at

    plan = performing.repayment_plans.get()
    first = plan.instalments.get(seq=1).due_date
    repayment_daily(now=at(first + dt.timedelta(days=16), 10))
    bank = Client()
    bank.force_login(world.users["bank"])
    page = bank.get("/repayment/").content.decode()
    assert 'data-testid="worklist-plan-defaulted"' in page and performing.number in page
    assert 'data-testid="worklist-clock"' in page
    other = Client()
    other.force_login(world.users["other_bank"])
    assert performing.number not in other.get("/repayment/").content.decode()
    case_page = bank.get(f"/cases/{performing.pk}/").content.decode()
    assert 'data-testid="limitation-clock"' in case_page and 'data-testid="enforcement-apply"' in case_page
