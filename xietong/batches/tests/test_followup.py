"""The batch follow-up: figures, the page, the XLSX export (audited, masked) and who may see them."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from openpyxl import load_workbook

from xietong.audit.models import AuditEntry
from xietong.batches.followup import batch_followup, month_end_after
from xietong.batches.services import batch_import, batch_upload
from xietong.cases.choices import CaseState
from xietong.cases.models import Case, CaseEvent

from .helpers import csv_bytes, good_row, upload

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DELIVERED = dt.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)


def imported(world, n: int = 10):
    batch = batch_upload(
        actor=world.users["bank"],
        institution=world.bank,
        file=upload(csv_bytes([good_row(i) for i in range(1, n + 1)])),
    ).batch
    batch = batch_import(batch=batch, actor=world.users["bank"])
    cases = list(Case.objects.filter(batch_rows__batch=batch).order_by("batch_rows__number"))
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(submitted_at=DELIVERED)
    return batch, cases


def walk(case: Case, *states: str, closed_at: dt.datetime | None = None) -> None:
    """Give a case a history (timeline rows) and its last state: the page reads, it does not drive."""
    previous = case.state
    for state in states:
        CaseEvent.objects.create(case=case, kind="test", from_state=previous, to_state=state, at=DELIVERED)
        previous = state
    Case.objects.filter(pk=case.pk).update(state=previous, closed_at=closed_at)


@pytest.fixture
def story(world):
    """Ten cases delivered on 2 March: six closed in March, one in April, three open."""
    batch, cases = imported(world)
    S = CaseState
    march = dt.datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI)
    last_minute = dt.datetime(2026, 3, 31, 23, 59, tzinfo=SHANGHAI)
    april = dt.datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI)  # the first moment of April: not within March
    for c in cases[:3]:
        walk(c, S.MEDIATING, S.AGREEMENT, S.CONFIRMED, S.PERFORMING, S.FULFILLED, closed_at=march)
    walk(cases[3], S.MEDIATING, S.FAILED, S.FILED, S.TRIED, S.CLOSED, closed_at=last_minute)
    walk(cases[4], S.MEDIATING, S.AGREEMENT, S.CONFIRMED, S.PERFORMING, S.FULFILLED, S.CLOSED, closed_at=march)
    walk(cases[5], S.WITHDRAWN, closed_at=march)
    walk(cases[6], S.MEDIATING, S.AGREEMENT, S.CONFIRMED, S.PERFORMING, S.FULFILLED, closed_at=april)
    walk(cases[7], S.MEDIATING)
    walk(cases[8], S.MEDIATING, S.FAILED, S.FILED)
    return batch, cases


def test_figures(world, story):
    batch, _cases = story
    f = batch_followup(actor=world.users["bank"], batch=batch)
    assert f.delivered == 10
    assert (f.in_mediation, f.agreements, f.confirmed, f.filed) == (8, 5, 5, 2)
    assert f.closed == 7 and f.closure_rate == 70
    assert f.closed_in_month == 6  # the April one is not within the month of delivery
    assert f.month_end == dt.datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI)
    assert f.outcome == {
        "fulfilled": 4,
        "closed_after_trial": 1,
        "closed_otherwise": 1,
        "withdrawn": 1,
        "rejected": 0,
        "open": 3,
    }
    assert f.open_by_state == {"triaged": 1, "mediating": 1, "filed": 1}
    assert f.median_days_to_close is not None and 17 < f.median_days_to_close < 19
    assert sum(s.count for s in f.states) == 10


def test_month_end_is_in_china_time():
    late = dt.datetime(2026, 1, 31, 17, 0, tzinfo=dt.UTC)  # 1 February, 01:00 in Shanghai
    assert month_end_after(late) == dt.datetime(2026, 3, 1, tzinfo=SHANGHAI)
    december = dt.datetime(2026, 12, 5, tzinfo=SHANGHAI)
    assert month_end_after(december) == dt.datetime(2027, 1, 1, tzinfo=SHANGHAI)


def test_page_shows_the_figures_and_the_rule(world, story):
    batch, _cases = story
    c = Client()
    c.force_login(world.users["bank"])
    page = c.get(f"/batches/{batch.pk}/followup/")
    assert page.status_code == 200
    html = page.content.decode()
    for testid, value in (("fu-delivered", "10"), ("fu-closed", "7"), ("fu-closure-rate", "70%")):
        assert f'data-testid="{testid}">{value}<' in html, testid
    assert 'data-testid="fu-closed-in-month">6<' in html
    assert "2026-03" in html and "2026-04-01 00:00" in html  # the rule, with its date
    assert 'data-testid="fu-outcome-closed_after_trial"' in html
    assert 'data-testid="fu-state-mediating"' in html and 'data-testid="fu-export"' in html
    # Linked from the batch's page and the list.
    assert f"/batches/{batch.pk}/followup/" in c.get(f"/batches/{batch.pk}/").content.decode()
    assert f"/batches/{batch.pk}/followup/" in c.get("/batches/").content.decode()


def test_who_may_see_it(world, story):
    batch, _cases = story
    for who, status in (("bank", 200), ("admin", 200), ("other_bank", 404), ("regulator", 403), ("mediator", 403)):
        c = Client()
        c.force_login(world.users[who])
        assert c.get(f"/batches/{batch.pk}/followup/").status_code == status, who
        assert c.get(f"/batches/{batch.pk}/followup.xlsx").status_code == status, who
    assert not AuditEntry.objects.filter(action="batch.export", actor_id=world.users["other_bank"].pk).exists()
    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.other_api_token}")
    assert api.get(f"/api/v1/batches/{batch.pk}/followup").status_code == 404
    mine = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}").get(f"/api/v1/batches/{batch.pk}/followup").json()
    assert (mine["delivered"], mine["closed"], mine["closure_rate"], mine["closed_in_month"]) == (10, 7, 70, 6)


def test_export_is_one_row_per_case_masked_and_audited(world, story):
    batch, cases = story
    c = Client()
    c.force_login(world.users["bank"])
    before = AuditEntry.objects.filter(action="batch.export").count()
    resp = c.get(f"/batches/{batch.pk}/followup.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEntry.objects.filter(action="batch.export").count() == before + 1
    entry = AuditEntry.objects.filter(action="batch.export").order_by("-seq").first()
    assert entry.object_id == str(batch.pk) and entry.actor_id == world.users["bank"].pk

    wb = load_workbook(io.BytesIO(resp.content))
    ws = wb.worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    header, rows = values[0], values[1:]
    assert ws["A1"].font.bold
    assert len(rows) == 10
    first = dict(zip(header, rows[0], strict=True))
    row1 = good_row(1)
    assert first["Row"] == 2 and first["Name"] == row1["name"]
    assert first["Card or contract number"] == row1["contract_number"]
    assert first["Case number"] == cases[0].number
    text = "\n".join(str(v) for r in values for v in r if v is not None)
    for i in range(1, 11):
        assert good_row(i)["id_number"] not in text  # ID numbers masked
        assert good_row(i)["phone"] not in text  # phones masked
    assert first["ID number"] and "*" in first["ID number"]
    assert first["Closed"]  # the first case is fulfilled
    summary = {r[0]: r[1] for r in wb.worksheets[1].iter_rows(values_only=True)}
    assert summary["Delivered"] == 10 and summary["Closed"] == 7


def test_an_empty_followup_for_a_batch_not_imported(world):
    batch = batch_upload(actor=world.users["bank"], institution=world.bank, file=upload(csv_bytes([good_row(1)]))).batch
    c = Client()
    c.force_login(world.users["bank"])
    html = c.get(f"/batches/{batch.pk}/followup/").content.decode()
    assert 'data-testid="followup-empty"' in html
    assert f"/batches/{batch.pk}/followup/" not in c.get(f"/batches/{batch.pk}/").content.decode()


def test_export_writes_no_formula(world, story):
    batch, _cases = story
    batch.original_name = '=HYPERLINK("http://x.example","x").xlsx'
    batch.save(update_fields=["original_name"])
    c = Client()
    c.force_login(world.users["bank"])
    wb = load_workbook(io.BytesIO(c.get(f"/batches/{batch.pk}/followup.xlsx").content))
    cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]
    assert cells and all(cell.data_type != "f" for cell in cells)
    assert any(str(cell.value).endswith(batch.original_name) for cell in cells)
