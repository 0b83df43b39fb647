"""The dashboard page, its XLSX export, the API and the public page say the same numbers."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse

from xietong.audit.services import SYSTEM
from xietong.stats.rollup import stats_rebuild

from .builders import standard_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world):
    h = standard_history(world)
    stats_rebuild(actor=SYSTEM)
    return h


def stat(html: str, code: str) -> str:
    m = re.search(rf'data-testid="stat-{code}">([^<]*)<', html)
    assert m, code
    return m.group(1).strip()


def test_the_page_and_the_api_give_the_same_numbers(client, world, history):
    client.force_login(world.users["admin"])
    query = "?period=year&at=2025&breakdown=institution"
    page = client.get(reverse("dashboard") + query)
    assert page.status_code == 200
    html = page.content.decode()
    api = client.get("/api/v1/stats/dashboard" + query)
    assert api.status_code == 200
    body = api.json()
    for f in body["figures"]:
        assert stat(html, f["code"]) == f["display"].replace("<", "&lt;"), f["code"]
    figures = {f["code"]: f for f in body["figures"]}
    assert figures["amount"]["value"] == "21002.10" and figures["amount"]["display"] == "21,002.10"
    assert figures["closure_rate"]["value"] == 71 and figures["closure_rate"]["denominator"] == 7
    assert body["period"] == {"kind": "year", "label": "2025", "first_month": "2025-01", "last_month": "2025-12"}
    rows = {r["label"]: r for r in body["breakdown"]["rows"]}
    assert {f["code"]: f["value"] for f in rows[world.bank.display_name]["figures"]}["received"] == 6
    assert world.bank.display_name in html and 'data-testid="table-breakdown"' in html
    # Every figure's name carries its definition.
    assert html.count('class="measure"') >= 12
    assert "Closed ÷" in html or "结案数 ÷" in html


def test_a_bar_links_to_the_cases_behind_it(client, world, history):
    client.force_login(world.users["admin"])
    html = client.get(reverse("dashboard") + f"?period=year&at=2025&breakdown=product&institution={world.bank.pk}")
    link = re.search(r'<tr data-key="credit_card"><th[^>]*><a href="([^"]+)"', html.content.decode()).group(1)
    link = link.replace("&amp;", "&")
    assert "product=credit_card" in link and f"institution={world.bank.pk}" in link
    listed = client.get(link).content.decode()
    numbers = {h.case.number for h in history.values() if h.case.institution_id == world.bank.pk}
    assert all(n in listed for n in numbers)
    assert history["c7"].case.number not in listed  # the other bank's, received in 2024
    assert world.cases["bank"].number not in listed  # received this year, not in 2025


def test_regulators_get_no_links_and_no_names(client, world, history):
    client.force_login(world.users["regulator"])
    html = client.get(reverse("dashboard") + "?period=year&at=2025&breakdown=institution").content.decode()
    assert "submitted_from" not in html and "/cases/" not in html
    for person in world.persons.values():
        assert person.name not in html and person.id_number not in html


def test_bad_input_is_answered_with_a_message_never_a_500(client, world):
    client.force_login(world.users["regulator"])
    for lang, words in (("en", "before it starts"), ("zh-hans", "早于起始月份")):
        client.cookies["django_language"] = lang
        page = client.get(reverse("dashboard") + "?period=custom&from=2025-06&to=2025-01")
        assert page.status_code == 400 and words in page.content.decode()
        api = client.get("/api/v1/stats/dashboard?period=custom&from=2025-06&to=2025-01", HTTP_ACCEPT_LANGUAGE=lang)
        assert api.status_code == 400
        assert api.json()["error"]["code"] == "period_reversed" and words in api.json()["error"]["message"]
    assert client.get(reverse("dashboard") + "?channel=%3Cscript%3E").status_code == 400
    assert client.get("/api/v1/stats/dashboard?breakdown=mediator").status_code == 400


def test_a_regulator_asking_for_three_cases_is_refused_by_the_api_too(client, world, history):
    client.force_login(world.users["regulator"])
    r = client.get(f"/api/v1/stats/dashboard?period=year&at=2025&institution={world.other_bank.pk}")
    assert r.status_code == 400 and r.json()["error"]["code"] == "small_stratum"
    assert "7000.70" not in r.content.decode()


def test_an_institutions_api_client_sees_its_own(client, world, history):
    r = client.get("/api/v1/stats/dashboard?period=year&at=2025", HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
    assert r.status_code == 200
    body = r.json()
    assert body["audience"] == "institution"
    assert {f["code"]: f["value"] for f in body["figures"]}["resolved"] == 2
    assert body["region"] is None and body["region_note"]


def test_the_export_holds_every_figure(client, world, history):
    from openpyxl import load_workbook

    client.force_login(world.users["admin"])
    r = client.get(reverse("dashboard-xlsx") + "?period=year&at=2025&breakdown=institution")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert len(wb.sheetnames) == 4
    values = {row[0]: row[1] for row in wb.worksheets[0].iter_rows(values_only=True) if row and row[0]}
    assert values.get("Disputes received", values.get("受理纠纷数")) == 6
    months = list(wb.worksheets[1].iter_rows(values_only=True))
    assert len(months) == 13
    breakdown = {row[0]: row[1] for row in wb.worksheets[2].iter_rows(values_only=True)}
    assert breakdown[world.bank.display_name] == 6
    from xietong.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="stats.export").exists()


def test_the_public_page_needs_no_login_and_hides_small_cells(client, world, history):
    r = client.get(reverse("public-figures") + "?year=2025")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="public-received">6<' in html
    assert 'data-testid="public-resolved">&lt;5<' in html
    assert 'data-testid="public-closure_rate">71%<' in html
    assert client.get(reverse("public-figures") + "?year=2999").status_code == 400
    assert client.get(reverse("public-figures") + "?year=abc").status_code == 400


def test_the_overview_api_gives_amounts_with_two_decimals(client, world):
    client.force_login(world.users["admin"])
    body = client.get("/api/v1/stats/overview").json()
    assert body["amount"] == "52000.00"
    assert all(re.fullmatch(r"\d+\.\d\d", row["amount"]) for row in body["by_institution"])


def test_roles_without_figures_are_refused(client, world):
    for who in ("party", "station"):
        client.force_login(world.users[who])
        assert client.get(reverse("dashboard")).status_code == 403
        assert client.get("/api/v1/stats/dashboard").status_code == 403


def test_a_missing_charts_library_is_reported_at_start_up(monkeypatch):
    from django.contrib.staticfiles import finders

    from xietong.stats.checks import echarts_installed

    assert echarts_installed() == []  # make assets has run
    monkeypatch.setattr(finders, "find", lambda path: None)
    assert [m.id for m in echarts_installed()] == ["stats.W001"]
