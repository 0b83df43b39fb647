"""Every measure on a hand-built history whose figures were worked out by hand (builders.standard_history).

The seven cases, 2024-12 .. 2025-03 (days to close in brackets):
  c1 bank   received 2025-01  agreement Jan, 民特 Jan, plan repaid Feb → fulfilled Feb (36)
  c2 bank   received 2025-01  agreement Jan, not confirmed
  c3 bank   received 2025-01  mediation failed Jan, 民初 Feb, tried Mar, 执 Mar, closed Mar (72)
  c4 bank   received 2025-02  withdrawn Feb (10)
  c5 bank   received 2025-02  agreement Feb, 民特 Feb, enforcement applied Mar, 执 Mar
  c6 bank   received 2025-03  rejected Mar (0)
  c7 other  received 2024-12  agreement Jan, 民特 Jan, plan repaid → fulfilled Jan (28)
Service: c1 served (Jan); c3 failed (Feb) and served by announcement (Feb).
"""

from __future__ import annotations

import pytest

from xietong.audit.services import SYSTEM
from xietong.stats.rollup import cells_snapshot, families_check, stats_rebuild, stats_refresh
from xietong.stats.selectors import audience_for, dashboard_build, selection_parse

from .builders import standard_history

pytestmark = pytest.mark.django_db


def board(world, who="admin", **params):
    audience = audience_for(world.users[who])
    return dashboard_build(audience=audience, selection=selection_parse(audience, params))


def shown(b):
    return {code: f.display for code, f in b.headline.items()}


@pytest.fixture
def history(world):
    h = standard_history(world)
    stats_rebuild(actor=SYSTEM)
    return h


def test_the_year_2025(world, history):
    b = board(world, period="year", at="2025")
    assert shown(b) == {
        "received": "6",
        "amount": "21,002.10",
        "resolved": "3",  # c1, c2, c7; c5 went to enforcement, c3 to trial
        "closed": "5",
        "open_end": "2",  # c2, c5
        "closure_rate": "71%",  # 5 closed / (1 carried over + 6 new)
        "median_days": "28",  # 0, 10, 28, 36, 72
        "p90_days": "≤75",  # 72 days: the step 71–75
        "within_target_rate": "60%",  # 0, 10, 28 of five
        "mediation_success_rate": "80%",  # c1, c2, c5, c7 of those and c3
        "confirmation_rate": "75%",  # c1, c5, c7 of four agreements
        "auto_performance_rate": "67%",  # c1, c7 of c1, c5, c7
        "enforcement_rate": "50%",  # c3, c5 of c1, c3, c5, c7
        "service_success_rate": "33%",  # one served of three ended
    }
    assert b.headline["closure_rate"].numerator == 5 and b.headline["closure_rate"].denominator == 7


def test_a_quarter_and_a_custom_run_of_months_say_the_same_as_the_year(world, history):
    year = shown(board(world, period="year", at="2025"))
    assert shown(board(world, period="quarter", at="2025-Q1")) == year
    assert shown(board(world, period="custom", **{"from": "2025-01", "to": "2025-03"})) == year


def test_one_month_counts_what_was_carried_over(world, history):
    feb = board(world, period="month", at="2025-02")
    # Open at 1 February: c7 carried into January, plus c1, c2, c3 received, less c7 closed = 3.
    assert feb.headline["received"].value == 2
    assert (feb.headline["closure_rate"].numerator, feb.headline["closure_rate"].denominator) == (2, 5)
    assert feb.headline["closure_rate"].display == "40%"
    assert feb.headline["median_days"].display == "10"  # c4 10 days, c1 36: nearest rank, the lower of two
    assert feb.headline["p90_days"].display == "≤40"
    assert feb.headline["resolved"].value == 0 and feb.headline["mediation_success_rate"].display == "100%"


def test_the_trend_by_month(world, history):
    b = board(world, period="year", at="2025")
    months = {m.strftime("%Y-%m"): f for m, f in b.trend}
    assert len(months) == 12
    assert [months[m]["received"].value for m in ("2025-01", "2025-02", "2025-03", "2025-04")] == [3, 2, 1, 0]
    assert [months[m]["closed"].value for m in ("2025-01", "2025-02", "2025-03")] == [1, 2, 2]
    assert [months[m]["resolved"].value for m in ("2025-01", "2025-02", "2025-03")] == [3, 0, 0]
    # January: 1 carried over + 3 new, 1 closed; March: 3 + 1, 2 closed.
    assert months["2025-01"]["closure_rate"].display == "25%"
    assert months["2025-03"]["closure_rate"].display == "50%"


def test_breakdowns(world, history):
    rows = {r.label: r.figures for r in board(world, period="year", at="2025", breakdown="institution").rows}
    bank, other = world.bank.display_name, world.other_bank.display_name
    assert rows[bank]["received"].value == 6 and rows[bank]["closure_rate"].display == "67%"  # 4 of 6
    assert rows[other]["received"].value == 0 and rows[other]["closure_rate"].display == "100%"  # 1 of 1 carried
    assert rows[other]["resolved"].value == 1
    states = {
        r.key: r.figures["received"].value for r in board(world, period="year", at="2025", breakdown="product").rows
    }
    assert states == {"credit_card": 6}


def test_filters_narrow_every_figure(world, history):
    b = board(world, period="year", at="2025", institution=str(world.other_bank.pk))
    assert shown(b)["closure_rate"] == "100%" and shown(b)["received"] == "0" and shown(b)["resolved"] == "1"


def test_incremental_refresh_equals_the_rebuild(world, history):
    rebuilt = cells_snapshot()
    from xietong.stats.models import CaseFact, Cell

    Cell.objects.all().delete()
    CaseFact.objects.all().delete()
    stats_refresh(case_ids=[h.case.pk for h in history.values()] + [c.pk for c in world.cases.values()])
    assert cells_snapshot() == rebuilt
    assert families_check() == []
