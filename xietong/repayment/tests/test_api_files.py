"""Payments in bulk through the API: rows checked with the errors per row, recorded all or nothing."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client
from django.utils import timezone

from xietong.repayment.models import Payment, PaymentFile
from xietong.repayment.selectors import plan_current

TODAY = timezone.localdate().isoformat()


def api(token: str) -> Client:
    c = Client()
    c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def post(c: Client, body: dict, key: str | None = "f-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return c.post("/api/v1/repayment/payment-files", body, content_type="application/json", **headers)


def test_rows_checked_then_recorded_at_once_and_a_retry_records_nothing(world, performing):
    c = api(world.api_token)
    rows = [
        {"case_number": performing.number, "paid_on": TODAY, "amount": "1,000.00", "reference": "B-1"},
        {"case_number": performing.number, "paid_on": TODAY, "amount": "0.50", "reference": "B-2"},
    ]
    resp = post(c, {"rows": rows, "record": True})
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["status"] == "applied" and data["rows"] == 2 and data["total_amount"] == "1000.50"
    assert plan_current(performing).paid == Decimal("1000.50")
    again = post(c, {"rows": rows, "record": True})
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Payment.objects.count() == 2
    detail = c.get(f"/api/v1/repayment/payment-files/{data['id']}")
    assert detail.status_code == 200 and detail.json()["recorded_at"]
    other = api(world.other_api_token)
    assert other.get(f"/api/v1/repayment/payment-files/{data['id']}").status_code == 404
    assert other.post(f"/api/v1/repayment/payment-files/{data['id']}/record").status_code == 404


def test_another_banks_case_is_a_row_error_and_nothing_is_recorded(world, performing):
    other = api(world.other_api_token)
    rows = [
        {"case_number": performing.number, "paid_on": TODAY, "amount": "100", "reference": "X-1"},
        {"case_number": world.cases["other_bank"].number, "paid_on": TODAY, "amount": "-1", "reference": "X-2"},
    ]
    resp = post(other, {"rows": rows, "record": True}, key="o-1")
    assert resp.status_code == 201
    data = resp.json()
    assert data["status"] == "refused" and data["rows_with_errors"] == 2
    codes = [(e["row"], e["code"]) for e in data["row_errors"]]
    assert (2, "case_unknown") in codes and (3, "amount_negative") in codes
    assert not Payment.objects.exists()
    # a check without recording, then the record route
    bank = api(world.api_token)
    checked = post(bank, {"rows": rows[:1]}, key="c-1").json()
    assert checked["status"] == "checked" and not Payment.objects.exists()
    recorded = bank.post(f"/api/v1/repayment/payment-files/{checked['id']}/record")
    assert recorded.status_code == 200 and recorded.json()["status"] == "applied"
    assert Payment.objects.count() == 1 and PaymentFile.objects.count() == 2
    missing = post(bank, {"rows": rows[:1]}, key=None)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "idempotency_key_missing"
