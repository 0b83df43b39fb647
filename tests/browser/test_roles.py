"""Each role logs in through the real login form and sees exactly what it may see, on a desktop and on a phone."""

from __future__ import annotations

import pytest

from tests.support.world import PASSWORD

from .conftest import DESKTOP, PHONE, login

pytestmark = pytest.mark.browser

VISIBLE = {
    "admin": {"bank", "other_bank", "station", "other_court"},
    "clerk": {"bank", "other_bank", "station"},
    "mediator": {"bank"},
    "bank": {"bank", "other_court"},
    "other_bank": {"other_bank", "station"},
    "station": {"station"},
    "party": {"bank", "other_bank"},
    "stranger": set(),
}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_each_role_sees_exactly_its_cases(live_world, new_page, viewport):
    w = live_world
    for role, visible in VISIBLE.items():
        page = new_page(viewport=viewport)
        login(page, w.users[role].username, PASSWORD)
        assert page.url.endswith("/"), f"{role} landed on {page.url}"
        assert w.users[role].full_name in page.locator("[data-testid=whoami]").inner_text()
        text = page.locator("main").inner_text()
        for key, case in w.cases.items():
            assert (case.number in text) == (key in visible), f"{role}: case {key} shown={case.number in text}"
        if not visible:
            assert page.locator("[data-testid=no-cases]").is_visible()
        for person in w.persons.values():
            assert person.id_number not in text, f"{role} sees a full ID number in the list"
        if viewport is PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"] + 1, f"{role}: page is {width}px wide on a phone"
        page.context.close()


def test_regulator_sees_the_dashboard_and_no_personal_data(live_world, new_page):
    w = live_world
    page = new_page()
    login(page, "regulator", PASSWORD)
    assert "/dashboard/" in page.url
    # The world's four disputes: fewer than five, so a regulator sees the count hidden.
    assert page.locator("[data-testid=stat-received]").inner_text().strip() == "<5"
    html = page.content()
    for person in w.persons.values():
        assert person.id_number not in html and person.name not in html
    assert page.goto(f"/cases/{w.cases['bank'].pk}/").status == 403


def test_clerk_reveals_an_id_number_and_takes_a_step(live_world, new_page):
    from xietong.audit.models import AuditEntry

    w = live_world
    page = new_page()
    login(page, "clerk", PASSWORD)
    page.click(f"text={w.cases['bank'].number}")
    assert page.locator("[data-testid=case-state]").inner_text() == "已分流"
    before = AuditEntry.objects.filter(action="person.view_id").count()
    page.locator("[data-testid=reveal-id]").first.click()
    page.wait_for_selector("[data-testid=revealed]")
    assert page.locator("[data-testid=revealed]").inner_text() == w.persons["borrower"].id_number
    assert AuditEntry.objects.filter(action="person.view_id").count() == before + 1
    with page.expect_navigation():
        page.click("[data-testid=transition-start_mediation]")
    assert page.locator("[data-testid=case-state]").inner_text() == "调解中"
    assert "调解中" in page.locator("[data-testid=timeline]").inner_text()


def test_language_switch_to_english_and_back(live_world, new_page):
    page = new_page()
    login(page, "clerk", PASSWORD)
    assert "案件" in page.locator("h1").inner_text()
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("h1").inner_text() == "Cases"
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    assert "案件" in page.locator("h1").inner_text()


def test_wrong_password_shows_a_clear_message(live_world, new_page):
    page = new_page()
    login(page, "clerk", "wrong-password")
    assert "/login/" in page.url
    assert page.locator(".errorlist").is_visible()
