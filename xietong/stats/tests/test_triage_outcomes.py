"""Outcomes feed triage: the rules page shows, per rule, channel and track, the settle rate and the
median days of the cases each rule routed in the last twelve months."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from xietong.audit.services import SYSTEM
from xietong.cases.choices import CaseState as S
from xietong.stats.rollup import stats_rebuild
from xietong.stats.selectors import triage_outcomes
from xietong.triage.models import TriageRule
from xietong.triage.services import case_auto_triage

from .builders import History

pytestmark = pytest.mark.django_db


def day(days_ago: int, hour: int = 10) -> str:
    d = timezone.localdate() - dt.timedelta(days=days_ago)
    return f"{d.isoformat()} {hour:02d}:00"


def routed(world, days_ago: int, *, product: str = "credit_card") -> History:
    h = History.open(court=world.court, institution=world.bank, submitted=day(days_ago), product=product)
    case_auto_triage(case=h.case, actor=SYSTEM)
    h.case.refresh_from_db()
    return h


def test_the_rules_page_shows_what_each_route_led_to(client, world):
    rule = TriageRule.objects.create(
        name="信用卡快速", position=1, products=["credit_card"], set_track="fast", set_channel="mediable"
    )
    # Three credit-card cases routed by the rule: two agreements (closed in 5 and 20 days), one failure.
    for days_ago, ok, close_after in ((60, True, 5), (50, True, 20), (40, False, None)):
        h = routed(world, days_ago).to(S.MEDIATING, day(days_ago - 1))
        if ok:
            h.to(S.AGREEMENT, day(days_ago - 2)).to(S.CONFIRMED, day(days_ago - 3)).to(
                S.PERFORMING, day(days_ago - 3, 11)
            )
            h.to(S.FULFILLED, day(days_ago - close_after, 12))
        else:
            h.to(S.FAILED, day(days_ago - 2))
    # A consumer loan no rule matches: the defaults (mediable, normal), "no configured rule".
    routed(world, 30, product="consumer_loan").to(S.MEDIATING, day(29)).to(S.FAILED, day(28))
    # Routed by the rule more than a year ago: not counted.
    old = routed(world, 500)
    old.to(S.MEDIATING, day(499)).to(S.FAILED, day(498))
    stats_rebuild(actor=SYSTEM)

    _period, outcomes = triage_outcomes()
    [mine_row] = [o for o in outcomes if o.rule_id == rule.pk]
    assert mine_row.rule == "信用卡快速"
    mine = mine_row.figures
    assert (mine["mediation_success_rate"].numerator, mine["mediation_success_rate"].denominator) == (2, 3)
    assert mine["received"].value == 3 and mine["closed"].value == 2
    assert mine["median_days"].value == 5  # 5 and 20 days: nearest rank
    assert any(o.rule_id == 0 and o.figures["mediation_success_rate"].denominator == 1 for o in outcomes)

    client.force_login(world.users["admin"])
    html = client.get("/admin/triage/triagerule/").content.decode()
    assert 'data-testid="route-outcomes"' in html
    assert f'data-testid="settle-{rule.pk}">67%' in html
    assert f'data-testid="median-{rule.pk}">5<' in html
