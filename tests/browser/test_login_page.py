"""The login page in demo mode on a phone: every demo login, one line each, nothing wider than the screen."""

from __future__ import annotations

import pytest

from xietong.demo.data import DEMO_LOGINS

from .conftest import DESKTOP, PHONE


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_demo_logins_fit_the_screen_a_login_never_broken(new_page, settings, transactional_db, locale, viewport):
    settings.DEMO_MODE = True
    page = new_page(viewport=viewport, locale=locale)
    page.goto("/login/")
    table = page.locator("[data-testid=demo-logins]")
    assert table.locator("tbody tr").count() == len(DEMO_LOGINS)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # Each login on one line, its role beside it or under it (a phone), never cut in the middle of a word.
    lines = table.locator("tbody code").evaluate_all("els => els.map(e => e.getClientRects().length)")
    assert lines == [1] * len(DEMO_LOGINS)
    roles = table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('td:nth-child(2), .demo-role')]"
        ".filter(e => e.offsetParent !== null).map(e => e.innerText.trim()))"
    )
    assert all(len(shown) == 1 and shown[0] for shown in roles), roles
