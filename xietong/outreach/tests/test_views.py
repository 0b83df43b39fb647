import re

import pytest
from django.urls import reverse

from xietong.outreach.choices import ArticleStatus
from xietong.outreach.models import Article

from .helpers import add_other_station, write

pytestmark = pytest.mark.django_db

READERS = ["clerk", "judge", "mediator", "bank", "regulator", "party"]


def as_user(client, world, name):
    client.force_login(world.users[name])
    return client


def form_data(**kw):
    data = {"kind": "legal_education", "title": "信用卡逾期了怎么办？", "summary": "摘要", "body": "一段。\n\n两段。"}
    data.update(kw)
    return data


def test_public_list_shows_published_only_newest_first(client, world):
    old = write(world, publish=True, title="旧文章")
    new = write(world, "admin", publish=True, title="新提醒", kind="risk_alert")
    write(world, title="草稿不公开")
    withdrawn = write(world, publish=True, title="已撤回")
    withdrawn.status = ArticleStatus.WITHDRAWN
    withdrawn.save()
    html = client.get(reverse("learn")).content.decode()
    titles = re.findall(r'data-testid="article-link">([^<]+)<', html)
    assert titles == [new.title, old.title]
    alerts = client.get(reverse("learn") + "?kind=risk_alert").content.decode()
    assert re.findall(r'data-testid="article-link">([^<]+)<', alerts) == [new.title]


def test_public_list_empty_state(client, world):
    html = client.get(reverse("learn")).content.decode()
    assert 'data-testid="no-articles"' in html


def test_station_page_shows_that_stations_published_articles(client, world):
    add_other_station(world)
    mine = write(world, publish=True, title="本站文章")
    write(world, "other_station", publish=True, title="别站文章")
    write(world, "admin", publish=True, title="中心文章")
    write(world, title="本站草稿")
    html = client.get(reverse("learn-station", args=[world.station.pk])).content.decode()
    assert re.findall(r'data-testid="article-link">([^<]+)<', html) == [mine.title]
    assert world.station.display_name in html
    assert client.get(reverse("learn-station", args=[world.court.pk])).status_code == 404  # not a station


def test_article_page_drafts_are_404_for_the_public(client, world):
    draft = write(world, title="草稿")
    url = reverse("learn-article", args=[draft.pk])
    assert client.get(url).status_code == 404
    for who in [*READERS, "stranger"]:
        as_user(client, world, who)
        assert client.get(url).status_code == 404, who
    add_other_station(world)
    as_user(client, world, "other_station")
    assert client.get(url).status_code == 404
    for who in ("station", "admin"):
        as_user(client, world, who)
        r = client.get(url)
        assert r.status_code == 200 and 'data-testid="article-publish"' in r.content.decode()


def test_article_body_is_escaped_paragraphs(client, world):
    a = write(world, publish=True, body="<script>alert(1)</script>\n\n第二段<b>粗</b>")
    html = client.get(reverse("learn-article", args=[a.pk])).content.decode()
    body = html.split('data-testid="article-body">')[1].split("</div>")[0]
    assert "<script>" not in html.split("</header>")[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert body.count("<p>") == 2 and "&lt;b&gt;" in body


@pytest.mark.parametrize("who", ["station", "admin"])
def test_authors_publish_through_the_form(client, world, who):
    as_user(client, world, who)
    page = client.get(reverse("learn-new")).content.decode()
    token = re.search(r'name="client_token" value="([0-9a-f]+)"', page).group(1)
    r = client.post(reverse("learn-new"), form_data(publish="on", client_token=token))
    a = Article.objects.get()
    assert r.status_code == 302 and r.url == reverse("learn-article", args=[a.pk])
    assert a.status == ArticleStatus.PUBLISHED and a.organisation == world.users[who].organisation
    again = client.post(reverse("learn-new"), form_data(publish="on", client_token=token))
    assert again.status_code == 302 and Article.objects.count() == 1  # a double submit


def test_form_without_publish_saves_a_draft_and_shows_errors(client, world):
    as_user(client, world, "station")
    r = client.post(reverse("learn-new"), form_data(title="", client_token="t1"))
    assert r.status_code == 200 and 'data-testid="form-errors"' in r.content.decode()
    assert not Article.objects.exists()
    client.post(reverse("learn-new"), form_data(client_token="t2"))
    assert Article.objects.get().status == ArticleStatus.DRAFT


@pytest.mark.parametrize("who", READERS)
def test_readers_may_not_write(client, world, who):
    as_user(client, world, who)
    a = write(world)
    assert client.get(reverse("learn-new")).status_code == 403
    assert client.post(reverse("learn-new"), form_data(client_token="x")).status_code == 403
    assert client.get(reverse("learn-mine")).status_code == 403
    assert client.get(reverse("learn-edit", args=[a.pk])).status_code == 403
    assert client.post(reverse("learn-publish", args=[a.pk])).status_code == 403
    assert Article.objects.count() == 1 and Article.objects.get().status == ArticleStatus.DRAFT


def test_anonymous_is_sent_to_login(client, world):
    a = write(world)
    for url in (reverse("learn-new"), reverse("learn-mine"), reverse("learn-edit", args=[a.pk])):
        r = client.get(url)
        assert r.status_code == 302 and "/login/" in r.url


def test_my_station_content_lists_drafts_of_my_station_only(client, world):
    add_other_station(world)
    draft = write(world, title="我的草稿")
    write(world, "other_station", title="别站草稿")
    center = write(world, "admin", title="中心草稿")
    as_user(client, world, "station")
    html = client.get(reverse("learn-mine")).content.decode()
    assert draft.title in html and "别站草稿" not in html and center.title not in html
    as_user(client, world, "admin")
    html = client.get(reverse("learn-mine")).content.decode()
    assert draft.title in html and "别站草稿" in html and center.title in html


def test_mine_empty_state(client, world):
    as_user(client, world, "station")
    assert 'data-testid="no-articles"' in client.get(reverse("learn-mine")).content.decode()


def test_station_agent_edits_publishes_withdraws_own_only(client, world):
    other = add_other_station(world)
    a = write(world)
    as_user(client, world, "station")
    r = client.post(reverse("learn-edit", args=[a.pk]), form_data(title="改过的标题"))
    assert r.status_code == 302
    assert client.post(reverse("learn-publish", args=[a.pk])).status_code == 302
    a.refresh_from_db()
    assert (a.title, a.status) == ("改过的标题", ArticleStatus.PUBLISHED)
    client.force_login(other)
    assert client.get(reverse("learn-edit", args=[a.pk])).status_code == 404
    assert client.post(reverse("learn-edit", args=[a.pk]), form_data(title="x")).status_code == 404
    assert client.post(reverse("learn-withdraw", args=[a.pk])).status_code == 404
    a.refresh_from_db()
    assert (a.title, a.status) == ("改过的标题", ArticleStatus.PUBLISHED)
    as_user(client, world, "station")
    assert client.post(reverse("learn-withdraw", args=[a.pk])).status_code == 302
    assert Article.objects.get(pk=a.pk).status == ArticleStatus.WITHDRAWN
    assert client.get(reverse("learn-article", args=[a.pk])).status_code == 200  # the authors still see it
    client.logout()
    assert client.get(reverse("learn-article", args=[a.pk])).status_code == 404


def test_publishing_twice_says_so(client, world):
    a = write(world, publish=True)
    as_user(client, world, "station")
    r = client.post(reverse("learn-publish", args=[a.pk]), follow=True)
    assert "already published" in r.content.decode() or "已经发布" in r.content.decode()


def test_nav_links(client, world):
    html = client.get(reverse("learn")).content.decode()
    assert 'data-testid="nav-learn"' in html and 'data-testid="nav-publish"' not in html
    for who, has in (("station", True), ("admin", True), ("clerk", False), ("party", False)):
        as_user(client, world, who)
        html = client.get(reverse("learn")).content.decode()
        assert ('data-testid="nav-publish"' in html) is has, who
