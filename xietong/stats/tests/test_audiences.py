"""Who sees which figures: small cells hidden from regulators, an institution's own beside the region's
(never another's), a mediator's own; bad requests answered with a clear message."""

from __future__ import annotations

import random

import pytest
from django.utils import translation

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.services import organisation_create
from xietong.audit.services import SYSTEM
from xietong.core.idgen import fake_uscc
from xietong.stats.periods import StatsError
from xietong.stats.rollup import stats_rebuild
from xietong.stats.selectors import audience_for, dashboard_build, selection_parse

from .builders import History, standard_history

pytestmark = pytest.mark.django_db


def board(actor, **params):
    audience = audience_for(actor)
    return dashboard_build(audience=audience, selection=selection_parse(audience, params))


@pytest.fixture
def history(world):
    h = standard_history(world)
    stats_rebuild(actor=SYSTEM)
    return h


def test_a_regulator_sees_no_figure_resting_on_fewer_than_five_disputes(world, history):
    b = board(world.users["regulator"], period="year", at="2025")
    shown = {code: f.display for code, f in b.headline.items()}
    assert shown["received"] == "6"
    assert shown["closure_rate"] == "71%"  # over seven
    assert shown["median_days"] == "28"  # five closed
    assert shown["resolved"] == "<5"  # three
    assert shown["confirmation_rate"] == "—"  # of four agreements
    assert shown["mediation_success_rate"] == "80%"  # of five endings
    assert shown["auto_performance_rate"] == "—" and shown["service_success_rate"] == "—"
    assert all(f.plain is None for f in b.headline.values() if f.suppressed)


def test_in_a_regulators_table_one_hidden_cell_hides_another(world, history):
    rows = {
        r.label: r.figures
        for r in board(world.users["regulator"], period="year", at="2025", breakdown="institution").rows
    }
    other = rows[world.other_bank.display_name]
    bank = rows[world.bank.display_name]
    assert other["resolved"].suppressed and other["resolved"].display == "<5"  # one
    assert bank["resolved"].suppressed  # two: else 3 − 2 gives the other bank's one away
    assert not bank["received"].suppressed and bank["received"].display == "6"


def test_a_regulator_asking_for_a_stratum_of_a_few_disputes_is_told_why(world, history):
    for lang, words in (("zh-hans", "不足五件"), ("en", "fewer than five")):
        with translation.override(lang), pytest.raises(StatsError) as err:
            board(world.users["regulator"], period="year", at="2025", institution=str(world.other_bank.pk))
        assert err.value.code == "small_stratum"
        assert words in str(err.value.message)


def test_a_regulator_has_no_mediators_or_batches_to_break_down_by(world, history):
    for params in ({"breakdown": "mediator"}, {"mediator": str(world.users["mediator"].pk)}, {"batch": "1"}):
        with pytest.raises(StatsError):
            board(world.users["regulator"], **params)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"period": "custom", "from": "2025-06", "to": "2025-01"}, "period_reversed"),
        ({"period": "custom", "from": "2025-13", "to": "2025-14"}, "bad_period"),
        ({"period": "week"}, "bad_period"),
        ({"period": "month", "at": "last month"}, "bad_period"),
        ({"channel": "fastest"}, "unknown_filter_value"),
        ({"institution": "999999"}, "unknown_filter_value"),
        ({"institution": "abc"}, "unknown_filter_value"),
        ({"breakdown": "postcode"}, "unknown_breakdown"),
    ],
)
def test_bad_requests_get_a_clear_message_in_both_languages(world, params, code):
    for lang in ("zh-hans", "en"):
        with translation.override(lang), pytest.raises(StatsError) as err:
            board(world.users["admin"], **params)
        assert err.value.code == code
        assert err.value.status == 400 and str(err.value.message)
    with translation.override("zh-hans"), pytest.raises(StatsError) as zh:
        board(world.users["admin"], **params)
    with translation.override("en"), pytest.raises(StatsError) as en:
        board(world.users["admin"], **params)
    assert str(zh.value.message) != str(en.value.message)


def test_an_institution_sees_its_own_figures_only(world, history):
    b = board(world.users["bank"], period="year", at="2025")
    assert b.headline["received"].value == 6
    assert b.headline["resolved"].value == 2  # c1, c2: the other bank's c7 is not in it
    assert b.headline["closure_rate"].display == "67%"  # 4 of 6, nothing carried over from the other bank
    assert b.region is None
    assert "three" in b.region_note or "三" in b.region_note
    other = board(world.users["other_bank"], period="year", at="2025")
    assert other.headline["received"].value == 0 and other.headline["resolved"].value == 1
    with pytest.raises(StatsError):
        board(world.users["bank"], institution=str(world.other_bank.pk))
    with pytest.raises(StatsError):
        board(world.users["bank"], breakdown="institution")


def test_an_institution_cannot_filter_by_another_institutions_batch(world, history):
    from xietong.batches.models import Batch

    theirs = Batch.objects.create(
        institution=world.other_bank, original_name="x.csv", source_format="csv", size=1, sha256="1" * 64, file="x.csv"
    )
    with pytest.raises(StatsError) as err:
        board(world.users["bank"], batch=str(theirs.pk))
    assert err.value.code == "unknown_filter_value"
    assert board(world.users["other_bank"], batch=str(theirs.pk)).headline["received"].value == 0


def other_banks(world, rng: random.Random, n: int) -> None:
    """n more banks, each with three disputes in January 2025 at the world's court."""
    for i in range(n):
        org = organisation_create(
            actor=SYSTEM, kind=OrganisationKind.INSTITUTION, name=f"第{i}银行", uscc=fake_uscc(rng)
        )
        for d in range(3):
            History.open(court=world.court, institution=org, submitted=f"2025-01-{10 + d} 10:00")


def test_the_region_is_shown_beside_an_institution_when_three_others_make_it_up(world, history):
    other_banks(world, random.Random(3), 3)
    stats_rebuild(actor=SYSTEM)
    b = board(world.users["bank"], period="year", at="2025")
    assert b.region is not None
    assert b.region["received"].value == 15 and b.headline["received"].value == 6
    # The rest of the region (nine cases of three banks, c7 carried over) rests on enough disputes ...
    assert not b.region["received"].suppressed
    # ... but its one resolution (c7, the other bank's) would be given away by region − own.
    assert b.region["resolved"].suppressed


def test_disputes_without_an_institution_do_not_count_as_another_institution(world, history):
    rng = random.Random(4)
    other_banks(world, rng, 2)
    for d in range(3):  # a person's dispute with no institution among the parties
        History.open(court=world.court, institution=None, submitted=f"2025-02-{10 + d} 10:00")
    stats_rebuild(actor=SYSTEM)
    b = board(world.users["bank"], period="year", at="2025")
    assert b.region is None and b.region_note  # two other institutions: the rest could be traced to them
    org = organisation_create(actor=SYSTEM, kind=OrganisationKind.INSTITUTION, name="第三银行", uscc=fake_uscc(rng))
    History.open(court=world.court, institution=org, submitted="2025-03-10 10:00")
    stats_rebuild(actor=SYSTEM)
    b = board(world.users["bank"], period="year", at="2025")
    assert b.region is not None and b.region["received"].value == 6 + 6 + 3 + 1


def test_a_mediator_sees_their_own_cases(world, history):
    b = board(world.users["mediator"])
    assert b.headline["received"].value == 1  # the world's bank case, this year
    assert board(world.users["other_mediator"]).headline["received"].value == 0
    with pytest.raises(StatsError):
        board(world.users["mediator"], breakdown="institution")
    with pytest.raises(StatsError) as err:
        board(world.users["mediator"], product="credit_card", breakdown="channel")
    assert err.value.code == "combination_not_kept"


def test_a_court_sees_its_own_court(world, history):
    assert board(world.users["clerk"], period="year", at="2025").headline["received"].value == 6
    assert board(world.users["other_judge"], period="year", at="2025").headline["received"].value == 0


def test_roles_without_figures(world):
    assert audience_for(world.users["party"]) is None
    assert audience_for(world.users["station"]) is None
    assert audience_for(world.api_client).kind == "institution"
