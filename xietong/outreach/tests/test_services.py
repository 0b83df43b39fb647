import pytest

from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM
from xietong.core.errors import Conflict, DomainError, NotAllowed, NotFound
from xietong.outreach.choices import ArticleKind, ArticleStatus
from xietong.outreach.models import Article
from xietong.outreach.services import article_create, article_publish, article_update, article_withdraw

from .helpers import add_other_station, write

pytestmark = pytest.mark.django_db


def actions(article):
    return list(
        AuditEntry.objects.filter(object_type="outreach.article", object_id=str(article.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_station_agent_writes_a_draft_for_their_station(world):
    a = write(world)
    assert a.status == ArticleStatus.DRAFT and a.published_at is None
    assert a.organisation == world.station and a.author == world.users["station"]
    assert actions(a) == [AuditAction.OUTREACH_CREATE]


def test_center_admin_publishes_at_once_for_the_center(world):
    a = write(world, "admin", publish=True, kind=ArticleKind.RISK_ALERT)
    assert a.status == ArticleStatus.PUBLISHED and a.published_at is not None
    assert a.organisation == world.court
    assert actions(a) == [AuditAction.OUTREACH_CREATE, AuditAction.OUTREACH_PUBLISH]


@pytest.mark.parametrize("who", ["clerk", "judge", "mediator", "bank", "regulator", "party"])
def test_other_roles_may_not_write(world, who):
    with pytest.raises(NotAllowed):
        write(world, who)
    assert not Article.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.OUTREACH_CREATE).exists()


def test_nobody_writes_under_another_name(world):
    with pytest.raises(NotAllowed):
        write(world, "station", author=world.users["admin"])
    a = article_create(actor=SYSTEM, author=world.users["station"], kind="legal_education", title="t", body="b")
    assert a.author == world.users["station"] and a.organisation == world.station


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("title", "   ", "title"), ("body", "\n\n", "body"), ("kind", "poem", "kind")],
)
def test_bad_input_writes_nothing(world, field, value, code):
    with pytest.raises(DomainError) as exc:
        write(world, **{field: value})
    assert exc.value.code == code
    assert not Article.objects.exists()


def test_same_token_returns_the_first_article(world):
    a = write(world, client_token="tok-1")
    b = write(world, client_token="tok-1", title="another title")
    assert a.pk == b.pk and Article.objects.count() == 1
    with pytest.raises(Conflict):
        write(world, "admin", client_token="tok-1")


def test_publish_withdraw_and_publish_again(world):
    a = write(world)
    a = article_publish(actor=world.users["station"], article=a)
    assert a.status == ArticleStatus.PUBLISHED and a.published_at is not None
    with pytest.raises(Conflict):
        article_publish(actor=world.users["station"], article=a)
    a = article_withdraw(actor=world.users["station"], article=a)
    assert Article.objects.get(pk=a.pk).status == ArticleStatus.WITHDRAWN
    with pytest.raises(Conflict):
        article_withdraw(actor=world.users["station"], article=a)
    article_publish(actor=world.users["admin"], article=a)  # the center may put it back
    assert actions(a) == [
        AuditAction.OUTREACH_CREATE,
        AuditAction.OUTREACH_PUBLISH,
        AuditAction.OUTREACH_WITHDRAW,
        AuditAction.OUTREACH_PUBLISH,
    ]


def test_draft_cannot_be_withdrawn(world):
    a = write(world)
    with pytest.raises(Conflict):
        article_withdraw(actor=world.users["station"], article=a)


def test_station_agent_manages_only_their_stations_articles(world):
    other = add_other_station(world)
    a = write(world, publish=True)
    center = write(world, "admin", publish=True)
    for service in (article_publish, article_withdraw):
        with pytest.raises(NotAllowed) as exc:
            service(actor=other, article=a)
        assert exc.value.code == "other_organisation"
    with pytest.raises(NotAllowed):
        article_withdraw(actor=world.users["station"], article=center)
    with pytest.raises(NotAllowed):
        article_update(actor=other, article=a, kind="risk_alert", title="x", body="y")
    with pytest.raises(NotAllowed):
        article_withdraw(actor=world.users["clerk"], article=a)
    assert Article.objects.get(pk=a.pk).status == ArticleStatus.PUBLISHED
    # the center oversees every station's content
    article_withdraw(actor=world.users["admin"], article=a)
    assert Article.objects.get(pk=a.pk).status == ArticleStatus.WITHDRAWN


def test_update_changes_the_text_not_the_state(world):
    a = write(world, publish=True)
    a = article_update(actor=world.users["station"], article=a, kind="risk_alert", title=" 新标题 ", body="新正文")
    a.refresh_from_db()
    assert (a.kind, a.title, a.body, a.status) == ("risk_alert", "新标题", "新正文", ArticleStatus.PUBLISHED)
    entry = AuditEntry.objects.filter(action=AuditAction.OUTREACH_UPDATE).get()
    assert entry.before["title"] == "信用卡逾期了怎么办？" and entry.after["title"] == "新标题"


def test_missing_article_is_not_found(world):
    a = write(world)
    Article.objects.filter(pk=a.pk).delete()
    with pytest.raises(NotFound):
        article_publish(actor=world.users["station"], article=a)


def test_paragraphs_split_at_blank_lines(world):
    a = write(world, body="一\r\n\r\n\r\n二\n第二行\n\n  ")
    assert a.paragraphs == ["一", "二\n第二行"]
