"""Story 7 in the browser: a station agent publishes a legal-education article through the form on
a phone; an anonymous visitor then finds it on /learn/ and on the station's own page."""

from __future__ import annotations

import pytest

from tests.support.world import PASSWORD

from .conftest import PHONE, login

pytestmark = pytest.mark.browser

TITLE = "信用卡逾期了怎么办？"


def test_station_agent_publishes_and_the_public_reads_it(live_world, new_page):
    from xietong.outreach.models import Article

    page = new_page(viewport=PHONE)
    login(page, live_world.users["station"].username, PASSWORD)
    with page.expect_navigation():
        page.click("[data-testid=nav-publish]")
    page.select_option("#id_kind", "legal_education")
    page.fill("#id_title", TITLE)
    page.fill("#id_summary", "别躲别拖，先沟通，再调解。")
    page.fill("#id_body", "主动联系银行说明情况。\n\n<b>到惠农e站申请免费调解。</b>")
    page.check("#id_publish")
    with page.expect_navigation():
        page.dblclick("[data-testid=article-submit]")  # a double click writes one article
    assert page.locator("[data-testid=article-title]").inner_text() == TITLE
    assert Article.objects.count() == 1
    article = Article.objects.get()
    assert article.is_public and article.organisation == live_world.station

    visitor = new_page(viewport=PHONE)  # a new browser context: nobody logged in
    visitor.goto("/")
    with visitor.expect_navigation():
        visitor.click("[data-testid=nav-learn]")
    assert visitor.url.endswith("/learn/")
    card = visitor.locator("[data-testid=article-card]", has_text=TITLE)
    assert card.count() == 1
    with visitor.expect_navigation():
        card.locator("[data-testid=article-link]").click()
    body = visitor.locator("[data-testid=article-body]")
    assert body.locator("p").count() == 2
    assert "<b>到惠农e站申请免费调解。</b>" in body.inner_text()  # shown as text, never as HTML
    with visitor.expect_navigation():
        visitor.click("[data-testid=article-station]")
    assert visitor.url.endswith(f"/learn/station/{live_world.station.pk}/")
    assert visitor.locator("[data-testid=article-link]", has_text=TITLE).count() == 1
    visitor.goto("/learn/new/")
    assert "/login/" in visitor.url
