"""The figures in a browser: the charts draw (SVG from ECharts, served locally), the tables beside them
hold the API's numbers, a bar opens the cases behind it, on a desktop and on a 390 px phone."""

from __future__ import annotations

import os

import pytest

from tests.browser.conftest import DESKTOP, login
from tests.support.world import PASSWORD

PHONE_390 = {"width": 390, "height": 844}
SHOTS = os.environ.get("XIETONG_SCREENSHOTS")  # a folder: save what the tests saw


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def history(live_world):
    from xietong.audit.services import SYSTEM
    from xietong.stats.rollup import stats_rebuild
    from xietong.stats.tests.builders import standard_history

    h = standard_history(live_world)
    stats_rebuild(actor=SYSTEM)
    return h


def table(page, testid):
    """The table's cells as text, row by row ({row header: [cells]})."""
    rows = page.locator(f"[data-testid={testid}] tbody tr")
    out = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        out[row.locator("th").inner_text().strip()] = [c.strip() for c in row.locator("td").all_inner_texts()]
    return out


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390], ids=["desktop", "phone"])
def test_the_charts_draw_and_the_tables_match_the_api(live_world, history, new_page, viewport):
    page = new_page(viewport=viewport)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, "admin", PASSWORD)
    query = "?period=year&at=2025&breakdown=institution"
    page.goto("/dashboard/" + query)
    for chart in ("chart-trend", "chart-breakdown"):
        page.wait_for_selector(f"[data-testid={chart}][data-drawn] svg")
        assert page.locator(f"[data-testid={chart}] svg").count() >= 1
        assert page.locator(f"[data-testid={chart}] svg text").count() > 3  # axes and legend drawn
    api = page.request.get("/api/v1/stats/dashboard" + query).json()
    columns = [
        "received",
        "resolved",
        "closed",
        "closure_rate",
        "median_days",
        "within_target_rate",
        "mediation_success_rate",
    ]
    months = table(page, "table-trend")
    for m in api["trend"]:
        by_code = {f["code"]: f["display"] for f in m["figures"]}
        assert months[m["month"]] == [by_code[c] for c in columns], m["month"]
    rows = table(page, "table-breakdown")
    for r in api["breakdown"]["rows"]:
        by_code = {f["code"]: f["display"] for f in r["figures"]}
        assert rows[r["label"]] == [by_code[c] for c in columns], r["label"]
    for f in api["figures"]:
        assert page.locator(f"[data-testid=stat-{f['code']}]").inner_text().strip() == f["display"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
    assert not errors, errors
    shot(page, f"dashboard-admin-{viewport['width']}")


def test_a_bar_opens_the_cases_behind_it(live_world, history, new_page):
    page = new_page()
    login(page, "admin", PASSWORD)
    page.goto("/dashboard/?period=year&at=2025&breakdown=institution")
    page.wait_for_selector("[data-testid=chart-breakdown][data-drawn] svg")
    page.locator("[data-testid=chart-breakdown]").scroll_into_view_if_needed()
    box = page.locator("[data-testid=chart-breakdown]").bounding_box()
    # The first institution (most disputes) is the top bar of the first series (below the legend).
    bars = page.locator("[data-testid=chart-breakdown] svg path[fill='#2f6fb0']")
    boxes = [b for b in (bars.nth(i).bounding_box() for i in range(bars.count())) if b and b["y"] > box["y"] + 40]
    target = min(boxes, key=lambda b: b["y"])
    with page.expect_navigation():
        page.mouse.click(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2)
    assert "institution=" in page.url and "submitted_from=2025-01-01" in page.url
    assert history["c1"].case.number in page.content()


def test_a_regulator_a_bank_and_a_mediator_see_their_dashboards_on_a_phone(live_world, history, new_page):
    for who in ("regulator", "bank", "mediator"):
        page = new_page(viewport=PHONE_390)
        login(page, who, PASSWORD)
        page.goto("/dashboard/?period=year&at=2025&breakdown=channel")
        page.wait_for_selector("[data-testid=chart-trend][data-drawn] svg")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"] + 1, who
        if who == "regulator":
            assert page.locator("[data-testid=stat-resolved]").inner_text().strip() == "<5"
            assert "submitted_from" not in page.content()
        shot(page, f"dashboard-{who}-390")
        page.context.close()


def test_the_public_page_and_a_definition_on_focus(live_world, history, new_page):
    page = new_page(viewport=PHONE_390)
    page.goto("/figures/?year=2025")
    page.wait_for_selector("[data-testid=chart-trend][data-drawn] svg")
    assert page.locator("[data-testid=public-received]").inner_text().strip() == "6"
    page.locator(".measure").first.focus()
    assert page.locator(".measure .def").first.is_visible()
    shot(page, "public-390")


def test_a_risk_warning_draws_its_series_with_baseline_and_threshold(live_world, new_page):
    from xietong.risk.models import RiskWarning
    from xietong.risk.tests.test_services import open_warning

    open_warning(live_world)
    w = RiskWarning.objects.get()
    page = new_page(viewport=PHONE_390, locale="en-US")
    login(page, "regulator", PASSWORD)
    page.goto(f"/risk/warnings/{w.pk}/")
    page.wait_for_selector("[data-testid=risk-chart][data-drawn] svg")
    labels = " ".join(
        page.eval_on_selector_all("[data-testid=risk-chart] svg text", "els => els.map(e => e.textContent)")
    )
    assert f"{w.baseline:.2f}".rstrip("0") in labels and f"{w.threshold:g}" in labels
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"] + 1
    shot(page, "risk-390")
