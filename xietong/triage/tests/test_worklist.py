"""Worklists: queues with counts, ages against the target and the limit, bulk assignment all or nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from xietong.audit.services import SYSTEM
from xietong.cases.choices import Channel, Track
from xietong.cases.models import Case, Category, Team
from xietong.triage.selectors import worklist_counts
from xietong.triage.services import case_auto_triage

from .factories import make_case, make_rule

pytestmark = pytest.mark.django_db
URL = "/worklists/"


@pytest.fixture
def queues(world):
    """Green, yellow and red disputes triaged by rules into their channels, of various ages."""
    green = Category.objects.get(code="eco")
    yellow = Category.objects.create(name="乡村振兴", code="rural", colour="yellow")
    red = Category.objects.create(name="青年创业金", code="youth", colour="red")
    make_rule(categories=[yellow], set_channel=Channel.HARD_TO_ENFORCE)
    make_rule(categories=[red], set_channel=Channel.GROUP_RISK, set_track=Track.FAST)
    now = timezone.now()
    cases = {}
    for key, cat, days in [("green", green, 5), ("yellow", yellow, 40), ("red", red, 100), ("red2", red, 2)]:
        c = make_case(world, category=cat, submitted_at=now - dt.timedelta(days=days))
        case_auto_triage(case=c, actor=SYSTEM)
        cases[key] = Case.objects.get(pk=c.pk)
    return cases


def test_counts_per_channel_track_and_colour(world, queues):
    counts = worklist_counts(actor=world.users["clerk"])
    # The world's own open cases of this court: bank (triaged), other_bank and station (submitted).
    assert counts["total"] == 4 + 3
    channel = {c: n for c, _, n in counts["channel"]}
    assert channel == {"mediable": 1, "hard_to_enforce": 1, "group_risk": 2}
    assert {c: n for c, _, n in counts["track"]} == {"fast": 2, "normal": 2}
    colour = {c: n for c, _, n in counts["colour"]}
    assert colour == {"green": 2, "yellow": 1, "red": 2}  # world's other_bank case is green too
    assert counts["overdue"] == 2 and counts["past_limit"] == 1
    assert worklist_counts(actor=world.users["other_judge"])["total"] == 1


def test_page_lists_a_queue_oldest_first_with_ages(client, world, queues):
    client.force_login(world.users["judge"])
    r = client.get(URL, {"channel": "group_risk"})
    assert r.status_code == 200
    html = r.content.decode()
    rows = re.findall(r'data-testid="worklist-row" data-case="([^"]+)"', html)
    assert rows == [queues["red"].number, queues["red2"].number]  # 100 days old first
    assert 'data-testid="count-channel-group_risk">2<' in html
    assert "past-limit" in html
    assert 'data-testid="bulk-assign"' not in html  # judges do not assign


def test_page_query_count_does_not_grow_with_cases(client, world, queues, django_assert_max_num_queries):
    client.force_login(world.users["clerk"])
    with django_assert_max_num_queries(12):
        client.get(URL)
    for _ in range(10):
        make_case(world)
    with django_assert_max_num_queries(12):
        r = client.get(URL)
    assert len(re.findall('data-testid="worklist-row"', r.content.decode())) == 17


@pytest.mark.parametrize("role", ["mediator", "bank", "party", "regulator", "station"])
def test_other_roles_have_no_worklist(client, world, role):
    client.force_login(world.users[role])
    assert client.get(URL).status_code == 403


def test_bulk_assign(client, world, queues):
    team = Team.objects.create(name="诉前调解团队", kind="pre_mediation", court=world.court)
    client.force_login(world.users["clerk"])
    ids = [queues["green"].pk, queues["yellow"].pk]
    r = client.post(reverse("worklist-assign"), {"cases": ids, "team": team.pk}, follow=True)
    assert r.status_code == 200
    assert set(Case.objects.filter(team=team).values_list("pk", flat=True)) == set(ids)
    assert "诉前调解团队" in r.content.decode()


def test_bulk_assign_is_all_or_nothing(client, world, queues):
    team = Team.objects.create(name="诉前调解团队", kind="pre_mediation", court=world.court)
    other_court_case = world.cases["other_court"]
    client.force_login(world.users["admin"])
    r = client.post(reverse("worklist-assign"), {"cases": [queues["green"].pk, other_court_case.pk], "team": team.pk})
    assert r.status_code == 200
    assert not Case.objects.filter(team=team).exists()
    html = r.content.decode()
    assert other_court_case.number in html and ("another court" in html or "其他法院" in html or "team" in html)


def test_team_of_another_court_refused_with_nothing_changed(client, world, queues):
    foreign = Team.objects.create(name="永定审判团队", kind="trial", court=world.other_court)
    client.force_login(world.users["clerk"])
    r = client.post(reverse("worklist-assign"), {"cases": [queues["green"].pk, queues["red"].pk], "team": foreign.pk})
    assert r.status_code == 200
    assert not Case.objects.filter(team=foreign).exists()
    assert 'class="msg error"' in r.content.decode()


def test_bulk_assign_needs_a_selection_and_a_staff_role(client, world, queues):
    team = Team.objects.create(name="诉前调解团队", kind="pre_mediation", court=world.court)
    client.force_login(world.users["clerk"])
    r = client.post(reverse("worklist-assign"), {"team": team.pk})
    assert r.status_code == 200 and 'data-testid="assign-errors"' in r.content.decode()
    client.force_login(world.users["judge"])
    assert client.post(reverse("worklist-assign"), {"cases": [queues["green"].pk], "team": team.pk}).status_code == 403
    assert not Case.objects.filter(team=team).exists()


@pytest.mark.parametrize("state", ["performing", "enforcing", "confirmed", "filed", "tried", "fulfilled"])
def test_a_case_past_pre_litigation_is_never_overdue(client, world, state):
    # Counted by cases.definitions: a case repaying, in enforcement, confirmed or in court is not
    # behind the 30-day target or the three-month limit of pre-litigation mediation, however old.
    now = timezone.now()
    late = make_case(world, submitted_at=now - dt.timedelta(days=120))
    mediating = make_case(world, submitted_at=now - dt.timedelta(days=120))
    Case.objects.filter(pk=late.pk).update(state=state)
    Case.objects.filter(pk=mediating.pk).update(state="mediating")
    late.refresh_from_db()
    assert not late.is_overdue and Case.objects.get(pk=mediating.pk).is_overdue
    counts = worklist_counts(actor=world.users["clerk"])
    assert counts["overdue"] == 1 and counts["past_limit"] == 1  # the mediating case alone
    client.force_login(world.users["clerk"])
    html = client.get(URL, {"overdue": "1"}).content.decode()
    assert re.findall(r'data-testid="worklist-row" data-case="([^"]+)"', html) == [mediating.number]
    assert html.count('data-testid="overdue-badge"') == 1


def test_the_worklist_comes_in_pages_of_50_with_the_count(client, world):
    from tests.support.world import more_cases

    made = more_cases(world, 57)  # with the world's three open cases of this court: 60
    client.force_login(world.users["clerk"])
    first = client.get(URL).content.decode()
    rows = re.findall(r'data-testid="worklist-row" data-case="([^"]+)"', first)
    assert len(rows) == 50
    assert 'data-testid="pager-count">第 1–50 条，共 60 条<' in first
    assert 'data-testid="count-total">60<' in first
    second = client.get(URL, {"page": 2}).content.decode()
    rest = re.findall(r'data-testid="worklist-row" data-case="([^"]+)"', second)
    assert len(rest) == 10 and not set(rows) & set(rest)
    assert {c.number for c in made} <= set(rows) | set(rest)
    assert 'data-testid="pager-prev"' in second and 'data-testid="pager-next"' not in second
