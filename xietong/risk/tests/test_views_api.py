"""Pages and API of the warnings, per role, with real warnings: who sees what, no personal data."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from xietong.audit.services import SYSTEM
from xietong.risk.choices import Dimension, WarningState
from xietong.risk.models import RiskWarning
from xietong.risk.services import named_respondent_record, risk_detect

from .test_services import TODAY, dispute, simulate, villager


@pytest.fixture
def warnings(world):
    # A cluster against a company (a lead), with real disputes behind it, and a surge against the bank.
    for i in range(6):
        c = dispute(world, villager(40 + i), institution=None)
        named_respondent_record(actor=SYSTEM, case=c, name="龙岩鑫汇投资有限公司")
    simulate(Dimension.INSTITUTION, str(world.bank.pk), [0] * 40 + [9], last=TODAY - dt.timedelta(days=1))
    risk_detect(day=TODAY)
    return {
        "lead": RiskWarning.objects.get(dimension=Dimension.RESPONDENT, detector="respondent_cluster"),
        "bank": RiskWarning.objects.get(dimension=Dimension.INSTITUTION),
    }


def client(world, role):
    c = Client()
    c.force_login(world.users[role])
    return c


SEES = {
    "admin": {"lead", "bank"},
    "clerk": {"lead", "bank"},
    "judge": {"lead", "bank"},
    "regulator": {"lead", "bank"},
    "bank": {"bank"},
    "other_bank": set(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*SEES, "mediator", "station", "party"])
def test_who_sees_which_warning_in_pages_and_api(world, warnings, role):
    c = client(world, role)
    listing = c.get("/risk/warnings/")
    api = c.get("/api/v1/risk/warnings")
    if role not in SEES:
        assert listing.status_code == 403 and api.status_code == 403
        return
    assert listing.status_code == 200 and api.status_code == 200
    seen = {item["id"] for item in api.json()["items"]}
    assert {k for k, w in warnings.items() if w.pk in seen} == SEES[role]
    if role in ("bank", "other_bank"):  # an institution sees the warnings about itself, nothing else
        assert seen == {warnings[k].pk for k in SEES[role]}
    for key, w in warnings.items():
        page = c.get(f"/risk/warnings/{w.pk}/")
        one = c.get(f"/api/v1/risk/warnings/{w.pk}")
        want = 200 if key in SEES[role] else 404
        assert (page.status_code, one.status_code) == (want, want), key
        body = page.content.decode() + one.content.decode()
        for p in world.persons.values():
            assert p.id_number not in body and (not p.phone or p.phone not in body)
        assert "村民4" not in body  # no claimant's name anywhere in a warning


@pytest.mark.django_db
def test_the_detail_has_the_series_as_a_table_and_as_data(world, warnings):
    w = warnings["lead"]
    page = client(world, "regulator").get(f"/risk/warnings/{w.pk}/").content.decode()
    assert 'data-testid="risk-series"' in page and "<meter" in page
    assert 'id="risk-series"' in page and "data-series=" in page
    one = client(world, "regulator").get(f"/api/v1/risk/warnings/{w.pk}").json()
    assert len(one["series"]) == 91 and one["series"][-1]["cases"] == 6
    assert one["params"]["min_claimants"] == 5
    # A regulator sees no breakdown cell under five: six disputes by one door is shown, nothing smaller.
    cells = [c for b in one["breakdown"] for c in b["cells"]]
    assert all(c["count"] >= 5 for c in cells)


@pytest.mark.django_db
def test_court_staff_open_the_cases_behind_a_warning_regulators_do_not(world, warnings):
    w = warnings["lead"]
    staff = client(world, "admin").get(f"/risk/warnings/{w.pk}/").content.decode()
    assert staff.count('href="/cases/') == 6
    reg = client(world, "regulator").get(f"/risk/warnings/{w.pk}/").content.decode()
    assert 'href="/cases/' not in reg


@pytest.mark.django_db
def test_acting_through_the_page_and_bad_input(world, warnings):
    w = warnings["lead"]
    reg = client(world, "regulator")
    resp = reg.post(f"/risk/warnings/{w.pk}/step/", {"step": "snooze", "note": "x"}, follow=True)
    assert "A snooze needs the date it ends." in resp.content.decode() or "暂缓需要结束日期" in resp.content.decode()
    w.refresh_from_db()
    assert w.state == WarningState.NEW
    reg.post(f"/risk/warnings/{w.pk}/step/", {"step": "acknowledge"})
    w.refresh_from_db()
    assert w.state == WarningState.ACKNOWLEDGED
    bank_w = warnings["bank"]
    resp = client(world, "bank").post(f"/risk/warnings/{bank_w.pk}/step/", {"step": "escalate", "note": "x"})
    assert resp.status_code == 302
    bank_w.refresh_from_db()
    assert bank_w.state == WarningState.NEW
    assert (
        client(world, "other_bank").post(f"/risk/warnings/{bank_w.pk}/step/", {"step": "acknowledge"}).status_code
        == 404
    )
    until = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    reg.post(f"/risk/warnings/{w.pk}/step/", {"step": "snooze", "until": until, "note": "等核查结果"})
    w.refresh_from_db()
    assert w.state == WarningState.SNOOZED and w.snooze_reason == "等核查结果"
    assert json.loads(json.dumps(w.series))[-1]["cases"] == 6


@pytest.mark.django_db
def test_the_risk_notice_as_pdf_and_docx_without_personal_data(world, warnings):
    from xietong.audit.models import AuditEntry
    from xietong.documents.render import docx_text

    w = warnings["lead"]
    reg = client(world, "regulator")
    pdf = reg.get(f"/risk/warnings/{w.pk}/notice/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = reg.get(f"/risk/warnings/{w.pk}/notice/docx/")
    text = docx_text(docx.content)
    assert "风险提示函" in text and "龙岩鑫汇投资有限公司" in text and "不构成" in text
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日" in text  # as court documents date, not 2026年12月07日
    assert "村民" not in text and all(p.id_number not in text for p in world.persons.values())
    assert AuditEntry.objects.filter(action="document.download", object_id=str(w.pk)).count() == 2
    assert client(world, "bank").get(f"/risk/warnings/{warnings['bank'].pk}/notice/pdf/").status_code == 403
    assert reg.get(f"/risk/warnings/{w.pk}/notice/exe/").status_code == 404


@pytest.mark.django_db
def test_a_risk_notice_leaving_for_a_regulator_writes_a_signed_checkpoint_of_the_audit_head(
    world, warnings, settings, django_capture_on_commit_callbacks
):
    from xietong.audit.models import AuditHead
    from xietong.audit.services import audit_checkpoints

    w = warnings["lead"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client(world, "regulator").get(f"/risk/warnings/{w.pk}/notice/docx/").status_code == 200
    points, problem = audit_checkpoints()
    assert problem is None and len(points) == 1
    head = AuditHead.objects.get(pk=1)  # the download's own audit entry included
    assert (points[0].seq, points[0].hash) == (head.seq, head.hash)
    assert points[0].reason == f"export risk_notice {w.pk} to regulator"
