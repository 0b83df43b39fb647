import pytest

from xietong.accounts.choices import OrganisationKind
from xietong.audit.services import SYSTEM
from xietong.outreach.choices import ArticleKind, ArticleStatus
from xietong.outreach.demo import seed
from xietong.outreach.models import Article

from .helpers import add_other_station

pytestmark = pytest.mark.django_db


def test_demo_seed_publishes_two_station_articles_and_one_by_the_center(world):
    add_other_station(world)
    seed(actor=SYSTEM)
    arts = {a.title: a for a in Article.objects.select_related("organisation")}
    assert set(arts) == {"信用卡逾期了怎么办？", "警惕“征信修复”骗局", "什么是诉前调解？"}
    assert all(a.status == ArticleStatus.PUBLISHED for a in arts.values())
    assert arts["警惕“征信修复”骗局"].kind == ArticleKind.RISK_ALERT
    stations = {arts["信用卡逾期了怎么办？"].organisation, arts["警惕“征信修复”骗局"].organisation}
    assert stations == {world.station, world.extra["other_station"]}
    assert all(s.kind == OrganisationKind.STATION for s in stations)
    assert arts["什么是诉前调解？"].organisation == world.court
