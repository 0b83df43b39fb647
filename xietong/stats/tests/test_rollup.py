"""The rollup follows the cases: incremental updates after thousands of random transitions equal a
rebuild from scratch; a refresh lost between commit and receiver is caught up from the timeline."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from tests.support.walk import random_override, random_transition
from xietong.audit.services import SYSTEM
from xietong.cases.choices import Door, PartyRole, Product
from xietong.cases.models import Case, CaseEvent, Category
from xietong.cases.services import PersonParty, case_assign_mediator, case_create, case_transition
from xietong.cases.status import status_docs_deferred
from xietong.cases.workflow import TRANSITIONS
from xietong.core.idgen import id_number_from
from xietong.parties.services import person_create
from xietong.stats.models import CaseFact, Cell
from xietong.stats.rollup import (
    cells_snapshot,
    families_check,
    stats_catch_up,
    stats_rebuild,
    stats_refresh,
    stats_verify,
)

pytestmark = pytest.mark.django_db
TRANSITIONS_TAKEN = 2000


def new_case(world, rng, persons):
    case = case_create(
        actor=SYSTEM,
        court=world.court,
        institution=rng.choice([world.bank, world.other_bank]),
        product=rng.choice(Product.values),
        door=rng.choice([Door.ONLINE, Door.COUNTER, Door.API]),
        persons=[PersonParty(person=rng.choice(persons), role=PartyRole.RESPONDENT)],
        principal=Decimal(rng.randrange(100, 9_999_999)) / 100,
        category=rng.choice([None, *Category.objects.all()]),
    )
    case_assign_mediator(case=case, actor=world.users["clerk"], mediator=world.users["mediator"])
    return case


def test_thousands_of_random_transitions_then_a_rebuild_changes_nothing(
    world, no_guards, django_capture_on_commit_callbacks
):

    rng = random.Random(15)
    persons = [person_create(actor=SYSTEM, name=f"乙{n}", id_number=id_number_from(700_000 + n)) for n in range(8)]
    state: dict[int, str] = {}  # open cases → their state
    taken = steps = 0
    # The cases' status documents are not this test's subject (tests/test_case_status.py walks them): they
    # are rebuilt once at the end rather than at each of the ~4,400 events, a third of this test's time.
    with status_docs_deferred():
        while taken < TRANSITIONS_TAKEN:
            steps += 1
            assert steps < 20_000
            with django_capture_on_commit_callbacks(execute=True):
                roll = rng.random()
                if roll < 0.08 or len(state) < 20:
                    case = new_case(world, rng, persons)
                    state[case.pk] = case.state
                    continue
                pk = rng.choice(sorted(state))
                if roll < 0.12 and state[pk] in ("triaged", "mediating", "agreement"):
                    random_override(world, rng, pk, [None, *Category.objects.all()])
                    continue
                taken += random_transition(world, rng, state, pk)
    assert Case.objects.filter(state="closed", numbers__kind="执").exists()
    assert (
        CaseEvent.objects.filter(to_state="fulfilled").exists() and CaseEvent.objects.filter(to_state="tried").exists()
    )
    # Cases whose last change had no receiver (opened, assigned, overridden since their last transition)
    # are stale until the catch-up; every other case is up to date already.
    last_kinds = {}
    for case_id, kind in CaseEvent.objects.order_by("pk").values_list("case_id", "kind"):
        last_kinds[case_id] = kind
    waiting = {c for c, kind in last_kinds.items() if kind not in TRANSITIONS}  # the world's four too
    assert waiting and len(waiting) < len(last_kinds) / 2
    caught = stats_catch_up()
    assert caught.refreshed == len(waiting)
    incremental = cells_snapshot()
    assert families_check() == []
    stats_rebuild(actor=SYSTEM)
    assert cells_snapshot() == incremental


def test_a_refresh_lost_after_the_commit_is_caught_up(world, no_guards, django_capture_on_commit_callbacks):
    stats_rebuild(actor=SYSTEM)
    case = world.cases["bank"]
    before = cells_snapshot()
    # The transition commits; the process dies before its receivers run (the callbacks are dropped).
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case_transition(case=case.pk, code="withdraw", actor=world.users["admin"], note="和解")
    assert callbacks and cells_snapshot() == before
    result = stats_catch_up()
    assert result.refreshed == 1
    after = cells_snapshot()
    stats_rebuild(actor=SYSTEM)
    assert cells_snapshot() == after != before


def test_a_change_without_a_receiver_is_caught_up_from_the_timeline(world):
    stats_rebuild(actor=SYSTEM)
    case = world.cases["station"]
    case_assign_mediator(case=case, actor=world.users["clerk"], mediator=world.users["other_mediator"])
    assert CaseFact.objects.get(case_id=case.pk).mediator_id == 0
    stats_catch_up()
    assert CaseFact.objects.get(case_id=case.pk).mediator_id == world.users["other_mediator"].pk


def test_the_daily_check_finds_what_the_lookback_missed(world):
    stats_rebuild(actor=SYSTEM)
    case = world.cases["other_bank"]
    CaseFact.objects.filter(case_id=case.pk).delete()  # as if its transaction had committed far behind
    Cell.objects.all().delete()
    assert stats_catch_up(lookback=0).refreshed == 0
    assert stats_verify().refreshed == 1
    assert CaseFact.objects.filter(case_id=case.pk).exists()


def test_refreshing_twice_counts_once(world):
    stats_rebuild(actor=SYSTEM)
    before = cells_snapshot()
    ids = [c.pk for c in world.cases.values()]
    assert stats_refresh(case_ids=ids) == 0
    assert cells_snapshot() == before
