"""A warning's history in words (both languages), and new warnings seen on arrival: the regulator's landing
page lists those in its remit and the navigation counts them, until someone takes a step."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.services import organisation_create, user_create
from xietong.audit.services import SYSTEM
from xietong.risk.choices import REMIT, Dimension, WarningState
from xietong.risk.models import RiskWarning
from xietong.risk.services import named_respondent_record, risk_detect, warning_step

from .test_services import TODAY, dispute, simulate, villager

pytestmark = pytest.mark.django_db


@pytest.fixture
def warnings(world):
    """A lead on a company named by six villagers, and a surge of disputes against the bank: both new."""
    for i in range(6):
        c = dispute(world, villager(40 + i), institution=None)
        named_respondent_record(actor=SYSTEM, case=c, name="龙岩鑫汇投资有限公司")
    simulate(Dimension.INSTITUTION, str(world.bank.pk), [0] * 40 + [9], last=TODAY - dt.timedelta(days=1))
    risk_detect(day=TODAY)
    return {
        "lead": RiskWarning.objects.get(dimension=Dimension.RESPONDENT, detector="respondent_cluster"),
        "bank": RiskWarning.objects.get(dimension=Dimension.INSTITUTION),
    }


def client(user, lang="zh-hans"):
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def text_of(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    block = html[start : html.index("</ol>", start)]
    return re.sub(r"<[^>]+>", " ", block.split(">", 1)[1])


@pytest.mark.parametrize(
    "lang,words,never",
    [
        ("zh-hans", ["发出预警", "已确认收到", "已移交", "平台"], ["raised", "acknowledge", "escalate", "system"]),
        ("en", ["raised", "acknowledged", "escalated", "the platform"], ["system"]),
    ],
)
def test_the_history_shows_each_step_in_words(world, warnings, lang, words, never):
    lead = warnings["lead"]
    reg = world.users["regulator"]
    warning_step(actor=reg, warning=lead, step="acknowledge")
    warning_step(actor=reg, warning=lead, step="escalate", agency=world.regulator_org, note="请核查")
    html = client(reg, lang).get(f"/risk/warnings/{lead.pk}/").content.decode()
    history = text_of(html, "risk-steps")
    for word in words:
        assert word in history, (lang, word, history)
    for word in never:
        assert word not in history, (lang, word, history)


def waiting(kind: str) -> int:
    return RiskWarning.objects.filter(state=WarningState.NEW, dimension__in=sorted(REMIT[kind])).count()


def nav_count(html: str) -> int | None:
    found = re.search(r'data-testid="nav-risk-new"[^>]*>(\d+)<', html)
    return int(found.group(1)) if found else None


def test_the_regulator_sees_new_warnings_on_arrival_and_counted_in_the_navigation(world, warnings):
    n = waiting(OrganisationKind.PBOC_BRANCH)  # the PBoC branch watches every stratum
    assert n == RiskWarning.objects.count() > 2
    reg = client(world.users["regulator"])
    landing = reg.get("/", follow=True)
    assert landing.redirect_chain and landing.redirect_chain[-1][0].endswith("/dashboard/")
    html = landing.content.decode()
    arrivals = html.split('data-testid="risk-arrivals"')[1].split("</section>")[0]
    assert f"{n} 条新预警待您处理" in arrivals
    assert arrivals.count('data-testid="risk-arrival"') == min(n, 5)
    assert f'href="/risk/warnings/{warnings["bank"].pk}/"' in arrivals  # the most severe first
    assert nav_count(html) == n
    # The count follows the regulator elsewhere, and drops once a step is taken.
    warning_step(actor=world.users["regulator"], warning=warnings["bank"], step="acknowledge")
    assert nav_count(reg.get("/risk/warnings/").content.decode()) == n - 1
    arrivals = reg.get("/dashboard/").content.decode().split('data-testid="risk-arrivals"')[1].split("</section>")[0]
    assert f'href="/risk/warnings/{warnings["bank"].pk}/"' not in arrivals
    english = client(world.users["regulator"], "en").get("/dashboard/").content.decode()
    assert f"{n - 1} new risk warnings wait for you" in english


def test_only_the_warnings_in_the_remit_arrive_and_only_for_those_who_act(world, warnings):
    banking = organisation_create(actor=SYSTEM, kind=OrganisationKind.BANKING_REGULATOR, name="龙岩银保监分局")
    watcher = user_create(actor=SYSTEM, username="cbirc", password="x" * 12, role=Role.REGULATOR, organisation=banking)
    n = waiting(OrganisationKind.BANKING_REGULATOR)
    assert 0 < n < RiskWarning.objects.count()
    html = client(watcher).get("/dashboard/").content.decode()
    arrivals = html.split('data-testid="risk-arrivals"')[1].split("</section>")[0]
    assert f'href="/risk/warnings/{warnings["bank"].pk}/"' in arrivals
    assert f'href="/risk/warnings/{warnings["lead"].pk}/"' not in arrivals  # a named respondent: not its remit
    assert nav_count(html) == n
    for who in ("clerk", "judge", "bank"):  # they see warnings; they do not act on them
        page = client(world.users[who]).get("/risk/warnings/").content.decode()
        assert nav_count(page) is None, who
    admin = client(world.users["admin"]).get("/risk/warnings/").content.decode()
    assert nav_count(admin) == RiskWarning.objects.count()  # the center acts on every warning
