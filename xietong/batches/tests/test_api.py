"""/api/v1/batches: JSON rows or a file, with an Idempotency-Key; status, per-case results; scoping."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from xietong.audit.models import AuditEntry
from xietong.batches.api import rows_csv
from xietong.batches.choices import BatchStatus
from xietong.batches.models import Batch, BatchRow
from xietong.batches.services import batch_upload
from xietong.cases.models import Case
from xietong.webhooks.models import IdempotencyKey

from .helpers import csv_bytes, good_row, row_list, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/batches"


def api(world, who: str = "bank") -> Client:
    token = world.api_token if who == "bank" else world.other_api_token
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post_rows(client: Client, rows: list[dict[str, Any]], key: str | None = "k1", **extra: Any):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, json.dumps({"rows": rows, **extra}), content_type="application/json", **headers)


def rows(*ns: int, **over: Any) -> list[dict[str, Any]]:
    return [good_row(n, **over) for n in ns]


# Submitting JSON rows -----------------------------------------------------------------------------


def test_json_rows_are_checked_like_a_file_and_counted(world):
    bad = good_row(3, id_number="350802198501010000", principal="-5")
    resp = post_rows(api(world), [*rows(1, 2), bad, good_row(1)])
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["created"] is True and body["status"] == "checked" and body["import_started"] is False
    assert body["counts"] == {"rows": 4, "valid": 2, "errors": 1, "duplicates": 1}
    errors = {(e["row"], e["field"]) for e in body["row_errors"]}
    assert (4, "id_number") in errors and (4, "principal") in errors  # rows[2] is row 4 of the file
    assert (5, "contract_number") in errors  # the duplicate of rows[0]
    by_field = {e["field"]: e for e in body["row_errors"] if e["row"] == 4}
    assert by_field["id_number"]["index"] == 2 and by_field["id_number"]["code"]
    assert by_field["id_number"]["column"] == "身份证号"

    # The same rows as an uploaded file give the same errors, message for message.
    file_batch = batch_upload(
        actor=world.users["bank"],
        institution=world.bank,
        file=upload(csv_bytes([*rows(1, 2), bad, good_row(1)]), name="same.csv"),
    ).batch
    api_batch = Batch.objects.get(pk=body["id"])
    assert file_batch.pk != api_batch.pk or file_batch.sha256 == api_batch.sha256
    file_errors = sorted(
        (r.number, e["field"], e["code"]) for r in BatchRow.objects.filter(batch=file_batch) for e in r.errors
    )
    api_errors = sorted((e["row"], e["field"], e["code"]) for e in body["row_errors"])
    assert file_errors == api_errors
    assert Batch.objects.get(pk=body["id"]).api_client == world.api_client
    assert Case.objects.filter(batch_rows__batch_id=body["id"]).count() == 0  # checked, nothing imported


def test_the_same_key_and_body_returns_the_same_batch_and_creates_nothing(world):
    c = api(world)
    first = post_rows(c, rows(1, 2), key="retry-1")
    assert first.status_code == 201
    counts = (Batch.objects.count(), BatchRow.objects.count(), AuditEntry.objects.count())
    again = post_rows(c, rows(1, 2), key="retry-1")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    assert (Batch.objects.count(), BatchRow.objects.count(), AuditEntry.objects.count()) == counts
    # Key order inside the rows does not matter: the same rows.
    reordered = [dict(reversed(list(r.items()))) for r in rows(1, 2)]
    assert post_rows(c, reordered, key="retry-1").status_code == 200


def test_the_same_key_with_another_body_is_a_conflict(world):
    c = api(world)
    assert post_rows(c, rows(1, 2), key="k").status_code == 201
    resp = post_rows(c, rows(1, 3), key="k")
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "idempotency_key_reused"
    resp = post_rows(c, rows(1, 2), key="k", **{"import": True})  # the same rows, another request
    assert resp.status_code == 409
    assert Batch.objects.count() == 1


def test_keys_are_scoped_per_client(world):
    assert post_rows(api(world), rows(1), key="shared").status_code == 201
    resp = post_rows(api(world, "other"), rows(7), key="shared")
    assert resp.status_code == 201
    assert Batch.objects.get(pk=resp.json()["id"]).institution == world.other_bank


def test_a_missing_key_is_refused_and_nothing_is_stored(world):
    resp = post_rows(api(world), rows(1), key=None)
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == "idempotency_key_missing" and "Idempotency-Key" in error["message"]
    resp = post_rows(api(world), rows(1), key="x" * 81)
    assert resp.status_code == 400
    assert not Batch.objects.exists() and not IdempotencyKey.objects.exists()


def test_bad_bodies_are_clear_refusals_not_500s(world):
    c = api(world)
    h = {"HTTP_IDEMPOTENCY_KEY": "b"}
    assert c.post(URL, "{not json", content_type="application/json", **h).json()["error"]["code"] == "bad_json"
    resp = c.post(URL, json.dumps({"rows": "nope"}), content_type="application/json", **h)
    assert resp.status_code == 422
    resp = post_rows(c, [{"name": "张三", "colour": "red"}], key="b2")
    assert resp.status_code == 422 and "colour" in json.dumps(resp.json(), ensure_ascii=False)
    resp = post_rows(c, [{"name": {"first": "张"}}], key="b3")
    assert resp.status_code == 422
    resp = post_rows(c, [], key="b4")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "no_rows"
    assert not Batch.objects.exists()


def test_row_and_size_limits(world, settings):
    settings.BATCH_MAX_ROWS = 3
    resp = post_rows(api(world), rows(1, 2, 3, 4), key="many")
    assert resp.status_code == 413 and resp.json()["error"]["code"] == "too_many_rows"
    settings.BATCH_API_MAX_JSON_BYTES = 1000
    resp = post_rows(api(world), rows(1, 2, 3), key="big")
    assert resp.status_code == 413 and resp.json()["error"]["code"] == "too_large"
    assert not Batch.objects.exists()


def test_a_body_larger_than_the_sites_form_limit_is_taken(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # the site's limit for ordinary requests
    resp = post_rows(api(world), rows(*range(1, 30)), key="wide")
    assert resp.status_code == 201 and resp.json()["counts"]["valid"] == 29


def test_a_nul_in_a_body_larger_than_the_sites_limit_is_refused_by_the_batch_view(world, settings):
    # The middleware leaves bodies above the site's limit unread; the batch view applies the same check.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    resp = post_rows(api(world), rows(*range(1, 30), name="张\x00三"), key="nul")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "nul_character"
    assert not Batch.objects.exists()


def test_import_true_starts_the_import(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resp = post_rows(api(world), [*rows(1, 2), good_row(3, phone="12")], key="imp", **{"import": True})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["import_started"] is True
    batch = Batch.objects.get(pk=body["id"])
    assert batch.status in (BatchStatus.QUEUED, BatchStatus.IMPORTING, BatchStatus.IMPORTED)
    assert AuditEntry.objects.filter(action="batch.import_start", object_id=str(batch.pk)).exists()
    # With the immediate task backend of the tests the import is done: two cases.
    detail = api(world).get(f"{URL}/{batch.pk}").json()
    assert detail["status"] == "imported"
    assert detail["progress"] == {"done": 2, "total": 2, "percent": 100}
    assert Case.objects.filter(batch_rows__batch=batch).count() == 2
    # A retry of the same request starts nothing again.
    again = post_rows(api(world), [*rows(1, 2), good_row(3, phone="12")], key="imp", **{"import": True})
    assert again.status_code == 200 and again.json()["id"] == batch.pk
    assert Case.objects.filter(batch_rows__batch=batch).count() == 2


# Files ------------------------------------------------------------------------------------------------


def test_file_upload_csv_and_xlsx_with_the_same_checks(world):
    c = api(world)
    resp = c.post(
        f"{URL}/file",
        {"file": upload(csv_bytes([*rows(1, 2), good_row(3, phone="1")]), name="a.csv")},
        HTTP_IDEMPOTENCY_KEY="f1",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["counts"] == {"rows": 3, "valid": 2, "errors": 1, "duplicates": 0}
    assert resp.json()["row_errors"][0]["field"] == "phone"
    again = c.post(
        f"{URL}/file",
        {"file": upload(csv_bytes([*rows(1, 2), good_row(3, phone="1")]), name="a.csv")},
        HTTP_IDEMPOTENCY_KEY="f1",
    )
    assert again.status_code == 200 and again.json()["id"] == resp.json()["id"]
    other = c.post(f"{URL}/file", {"file": upload(csv_bytes(rows(5)), name="b.csv")}, HTTP_IDEMPOTENCY_KEY="f1")
    assert other.status_code == 409

    xlsx = xlsx_bytes([row_list(good_row(9)), row_list(good_row(10, principal="abc"))])
    resp = c.post(f"{URL}/file", {"file": upload(xlsx, name="c.xlsx")}, HTTP_IDEMPOTENCY_KEY="f2")
    assert resp.status_code == 201
    assert resp.json()["source_format"] == "xlsx" and resp.json()["counts"]["errors"] == 1


def test_file_refusals(world, settings):
    c = api(world)
    resp = c.post(f"{URL}/file", {}, HTTP_IDEMPOTENCY_KEY="n")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "no_file"
    resp = c.post(f"{URL}/file", {"file": upload(b"", name="e.csv")}, HTTP_IDEMPOTENCY_KEY="e")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "empty"
    settings.BATCH_MAX_UPLOAD_BYTES = 100_000
    big = upload(b"a" * 300_000, name="big.csv")
    resp = c.post(f"{URL}/file", {"file": big}, HTTP_IDEMPOTENCY_KEY="big")
    assert resp.status_code == 413
    resp = c.post(f"{URL}/file", {"file": upload(csv_bytes(rows(1)))})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "idempotency_key_missing"
    assert not Batch.objects.exists()


# Reading, importing, scoping ----------------------------------------------------------------------------


def test_import_endpoint_is_idempotent_and_refuses_a_second_start(world, django_capture_on_commit_callbacks):
    c = api(world)
    batch_id = post_rows(c, rows(1, 2), key="s").json()["id"]
    resp = c.post(f"{URL}/{batch_id}/import")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "idempotency_key_missing"
    with django_capture_on_commit_callbacks(execute=True):
        resp = c.post(f"{URL}/{batch_id}/import", HTTP_IDEMPOTENCY_KEY="i1")
    assert resp.status_code == 202, resp.content
    starts = AuditEntry.objects.filter(action="batch.import_start", object_id=str(batch_id)).count()
    assert starts == 1
    again = c.post(f"{URL}/{batch_id}/import", HTTP_IDEMPOTENCY_KEY="i1")
    assert again.status_code == 200 and again.json()["status"] == "imported"
    other_key = c.post(f"{URL}/{batch_id}/import", HTTP_IDEMPOTENCY_KEY="i2")
    assert other_key.status_code == 409
    assert AuditEntry.objects.filter(action="batch.import_start", object_id=str(batch_id)).count() == 1
    assert Case.objects.filter(batch_rows__batch_id=batch_id).count() == 2

    cases = c.get(f"{URL}/{batch_id}/cases?limit=1").json()
    assert cases["has_more"] is True and len(cases["items"]) == 1
    item = cases["items"][0]
    assert item["row"] == 2 and item["contract_number"] == good_row(1)["contract_number"]
    assert item["case_number"] and "诉前调" in item["case_number"]
    assert item["state"] == "triaged" and item["channel"] and item["track"]
    rest = c.get(f"{URL}/{batch_id}/cases?limit=1&offset=1").json()
    assert rest["has_more"] is False and rest["items"][0]["row"] == 3

    followup = c.get(f"{URL}/{batch_id}/followup").json()
    assert followup["delivered"] == 2 and followup["closed"] == 0 and followup["closure_rate"] == 0
    assert followup["outcome"]["open"] == 2


def test_another_banks_batch_does_not_exist_for_a_client(world):
    batch_id = post_rows(api(world), rows(1), key="mine").json()["id"]
    other = api(world, "other")
    for path in ("", "/cases", "/errors", "/followup"):
        resp = other.get(f"{URL}/{batch_id}{path}")
        assert resp.status_code == 404, path
        assert "6222" not in resp.content.decode()
    assert other.post(f"{URL}/{batch_id}/import", HTTP_IDEMPOTENCY_KEY="x").status_code == 404
    assert other.get(URL).json()["items"] == []
    assert [b["id"] for b in api(world).get(URL).json()["items"]] == [batch_id]
    # Session users: the bank's operator sees it, the other bank's does not, the center admin does.
    for who, status in (("bank", 200), ("other_bank", 404), ("admin", 200), ("regulator", 403), ("clerk", 403)):
        s = Client()
        s.force_login(world.users[who])
        assert s.get(f"{URL}/{batch_id}").status_code == status, who


def test_the_center_admin_submits_for_a_named_institution(world):
    s = Client()
    s.force_login(world.users["admin"])
    resp = post_rows(s, rows(1), key="adm")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "batch_institution"
    resp = post_rows(s, rows(1), key="adm2", institution_id=world.other_bank.pk)
    assert resp.status_code == 201
    assert Batch.objects.get(pk=resp.json()["id"]).institution == world.other_bank
    # A client cannot name another institution.
    resp = post_rows(api(world), rows(2), key="c", institution_id=world.other_bank.pk)
    assert resp.status_code == 400
    assert Batch.objects.count() == 1


def test_errors_endpoint_pages_every_row_error(world):
    bad = [good_row(n, phone="12") for n in range(1, 6)]
    batch_id = post_rows(api(world), bad, key="e").json()["id"]
    page = api(world).get(f"{URL}/{batch_id}/errors?limit=2").json()
    assert [e["row"] for e in page["items"]] == [2, 3] and page["has_more"] is True
    last = api(world).get(f"{URL}/{batch_id}/errors?limit=2&offset=4").json()
    assert [e["row"] for e in last["items"]] == [6] and last["has_more"] is False


def test_rows_csv_is_the_templates_file():
    data = rows_csv([{"name": "张三", "consent_e_service": True, "principal": 12.5, "overdue_days": None}])
    text = data.decode("utf-8").splitlines()
    assert text[0].startswith("姓名,身份证号,手机号")
    assert "张三" in text[1] and "是" in text[1] and "12.5" in text[1]
