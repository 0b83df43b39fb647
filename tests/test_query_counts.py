"""The busiest pages answer in a bounded number of queries, however many cases, parties or events there are."""

from __future__ import annotations

import pytest
from django.urls import reverse

# Measured on 2026-12-03: the case page 22-35 queries by role (its panels), a worklist 6-7.
CASE_PAGE = 40
WORKLIST = 10
DASHBOARD = 25  # measured 2026-12-07: 14-17 by audience (the form's choices, the catch-up, the cells)


def client_for(client, world, who):
    client.force_login(world.users[who])
    return client


def count_queries(django_assert_max_num_queries, client, url, limit):
    with django_assert_max_num_queries(limit) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["clerk", "judge", "mediator", "bank", "party"])
def test_the_case_page(client, world, who, django_assert_max_num_queries):
    case = world.cases["bank"]
    count_queries(
        django_assert_max_num_queries, client_for(client, world, who), reverse("case-detail", args=[case.pk]), 60
    )


def test_the_case_page_does_not_grow_with_the_timeline(client, world, django_assert_max_num_queries):
    from xietong.cases.services import case_event_record

    c = client_for(client, world, "clerk")
    url = reverse("case-detail", args=[world.cases["bank"].pk])
    before = count_queries(django_assert_max_num_queries, c, url, CASE_PAGE)
    for _ in range(20):
        case_event_record(world.cases["bank"], actor=world.users["clerk"], kind="team_assigned", data={"team": "x"})
    assert count_queries(django_assert_max_num_queries, c, url, CASE_PAGE) == before


@pytest.mark.parametrize(
    ("who", "name"), [("clerk", "worklists"), ("mediator", "mediation-my"), ("judge", "judiciary-worklist")]
)
def test_the_worklists_do_not_grow_with_the_cases(client, world, who, name, django_assert_max_num_queries):
    from tests.support.world import more_cases

    c = client_for(client, world, who)
    url = reverse(name)
    before = count_queries(django_assert_max_num_queries, c, url, WORKLIST)
    more_cases(world, 12)
    assert count_queries(django_assert_max_num_queries, c, url, WORKLIST) <= before + 2


@pytest.mark.parametrize("who", ["admin", "regulator", "bank", "mediator"])
def test_the_dashboard_does_not_grow_with_the_cases(client, world, who, django_assert_max_num_queries):
    """The figures come from the rollups: a few queries per chart and table, whatever the number of cases."""
    from tests.support.world import more_cases
    from xietong.audit.services import SYSTEM
    from xietong.stats.rollup import stats_rebuild

    stats_rebuild(actor=SYSTEM)
    c = client_for(client, world, who)
    breakdown = {"admin": "institution", "regulator": "channel", "bank": "product", "mediator": "channel"}[who]
    url = reverse("dashboard") + f"?breakdown={breakdown}"
    before = count_queries(django_assert_max_num_queries, c, url, DASHBOARD)
    more_cases(world, 12)
    stats_rebuild(actor=SYSTEM)
    assert count_queries(django_assert_max_num_queries, c, url, DASHBOARD) == before
