"""Which cube answers a query: up to four of the seven main dimensions (counting an audience's own scope),
or any number of them but institution, are read from a cube of exactly those dimensions, whose figures are
those of the raw tables and of the largest cube they are sums of. Five or more with institution read the
largest cube, through the index of one institution's cells when the read is scoped to one."""

from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal
from itertools import combinations

import pytest

from xietong.cases.choices import CaseState, Channel, Door, Product, Track
from xietong.cases.definitions import CLOSED_STATES
from xietong.cases.models import Case, Category
from xietong.stats import selectors
from xietong.stats.cubes import BESIDE_INSTITUTION, CUBE_BY_CODE, FAMILY_BY_CODE, LARGEST, MAIN_DIMS, cube_for, finest
from xietong.stats.facts import FIELDS
from xietong.stats.rollup import families_check, stats_verify
from xietong.stats.selectors import audience_for, breakdown, selection_parse

from .builders import TZ, History

S = CaseState
YEAR = (dt.datetime(2025, 1, 1, tzinfo=TZ), dt.datetime(2026, 1, 1, tzinfo=TZ))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4])
def test_up_to_four_main_dimensions_are_read_from_a_cube_of_exactly_those(n):
    for dims in combinations(MAIN_DIMS, n):
        cube = cube_for(set(dims))
        assert cube is not None and cube.dims == frozenset(dims), dims


@pytest.mark.parametrize("n", [5, 6])
def test_any_number_of_main_dimensions_but_institution_are_read_from_a_cube_of_exactly_those(n):
    assert "institution_id" not in BESIDE_INSTITUTION and len(BESIDE_INSTITUTION) == 6
    for dims in combinations(BESIDE_INSTITUTION, n):
        cube = cube_for(set(dims))
        assert cube is not None and cube.dims == frozenset(dims), dims


def test_the_largest_cube_is_written_into_the_statement_safely():
    """Its code is a literal in `cell_sums_sql` (the partial index's condition): made of names, nothing else."""
    assert CUBE_BY_CODE[LARGEST] == finest(FAMILY_BY_CODE["main"])
    assert all(re.fullmatch(r"[a-z]+(\+[a-z]+)*", c.code) for c in CUBE_BY_CODE.values())


@pytest.mark.parametrize("n", [5, 6, 7])
def test_five_or_more_with_institution_read_the_largest_cube(n):
    for dims in combinations(MAIN_DIMS, n):
        if "institution_id" in dims:
            assert cube_for(set(dims)).dims == frozenset(MAIN_DIMS), dims  # type: ignore[union-attr]


@pytest.fixture
def mixed_year(world):
    """Sixty cases of 2025 with every product, channel, track and door, a third still open."""
    rng = random.Random(4)
    categories = [None, *Category.objects.all()]
    for n in range(60):
        h = History.open(
            court=world.court,
            institution=world.bank if rng.random() < 0.7 else world.other_bank,
            submitted=f"2025-{rng.randrange(1, 10):02d}-{rng.randrange(1, 28):02d} 10:00",
            principal=f"{rng.randrange(1000, 90000)}.{n:02d}",
            product=rng.choice([Product.CREDIT_CARD, Product.CREDIT_CARD, Product.CONSUMER_LOAN]),
            door=rng.choice([Door.ONLINE, Door.ONLINE, Door.COUNTER, Door.API]),
            category=rng.choice(categories),
        )
        Case.objects.filter(pk=h.case.pk).update(
            channel=rng.choice([Channel.MEDIABLE, Channel.MEDIABLE, Channel.HARD_TO_ENFORCE]),
            track=rng.choice(Track.values),
        )
        submitted = h.case.submitted_at.astimezone(TZ)
        step = submitted + dt.timedelta(days=1)

        def when(days: int, base: dt.datetime = step) -> str:
            return f"{base + dt.timedelta(days=days):%Y-%m-%d %H:%M}"

        h.to(S.TRIAGED, when(0)).to(S.MEDIATING, when(1))
        ending = rng.choice(["open", "agreement", "failed", "withdrawn"])
        if ending == "agreement":
            h.to(S.AGREEMENT, when(rng.randrange(2, 40)))
        elif ending == "failed":
            h.to(S.FAILED, when(rng.randrange(2, 40)))
        elif ending == "withdrawn":
            h.to(S.WITHDRAWN, when(rng.randrange(2, 60)))
    assert stats_verify().refreshed >= 60  # the facts and cells by the incremental path
    assert families_check() == []


def raw_by_track(**where):
    """Per track, from the cases table: received, amount, closed, resolved (agreements), open at the end."""
    out = {}
    cases = Case.objects.filter(**where)
    for track in set(cases.values_list("track", flat=True)):
        mine = cases.filter(track=track)
        received = mine.filter(submitted_at__gte=YEAR[0], submitted_at__lt=YEAR[1])
        closed = mine.filter(state__in=CLOSED_STATES, closed_at__gte=YEAR[0], closed_at__lt=YEAR[1]).count()
        out[track] = {
            "received": received.count(),
            "amount": sum((c.total for c in received), Decimal(0)),
            "closed": closed,
            "resolved": mine.filter(state=S.AGREEMENT).count(),
            "open_end": received.count() - closed,
        }
    return out


@pytest.mark.parametrize(
    ("who", "params", "cube", "where"),
    [
        (
            "bank",  # an institution: its own scope, two filters and a breakdown
            {"product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE},
            "institution+product+channel+track",
            lambda w: {"institution": w.bank, "product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE},
        ),
        (
            "clerk",  # a court: its own scope, two filters and a breakdown
            {"institution": "bank", "door": Door.ONLINE},
            "court+institution+track+door",
            lambda w: {"court": w.court, "institution": w.bank, "door": Door.ONLINE},
        ),
        (
            "bank",  # an institution: its own scope, three filters and a breakdown (five dimensions)
            {"product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE, "door": Door.ONLINE},
            LARGEST,
            lambda w: {"institution": w.bank, "product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE,
                       "door": Door.ONLINE},
        ),
        (
            "clerk",  # a court: its own scope, three filters and a breakdown, no institution
            {"product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE, "door": Door.ONLINE},
            "court+product+channel+track+door",
            lambda w: {"court": w.court, "product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE,
                       "door": Door.ONLINE},
        ),
        (
            "clerk",  # a court: its own scope, an institution and two more filters, and a breakdown
            {"institution": "bank", "product": Product.CREDIT_CARD, "door": Door.ONLINE},
            LARGEST,
            lambda w: {"court": w.court, "institution": w.bank, "product": Product.CREDIT_CARD, "door": Door.ONLINE},
        ),
    ],
)  # fmt: skip
def test_a_query_reads_the_smallest_cube_and_says_what_the_raw_tables_say(
    world, mixed_year, monkeypatch, who, params, cube, where
):
    read = []
    real = selectors.cell_sums

    def spy(c, *args, **kwargs):
        read.append(c.code)
        return real(c, *args, **kwargs)

    monkeypatch.setattr(selectors, "cell_sums", spy)
    audience = audience_for(world.users[who])
    asked = {k: (str(world.bank.pk) if v == "bank" else v) for k, v in params.items()}
    selection = selection_parse(audience, {"period": "year", "at": "2025", "breakdown": "track", **asked})
    rows = breakdown(audience, selection)
    assert read and set(read) == {cube}

    raw = raw_by_track(**where(world))
    assert sum(r["received"] for r in raw.values()) >= 5  # enough cases to say something
    got = {
        r.key: {code: r.figures[code].value for code in ("received", "amount", "closed", "resolved", "open_end")}
        for r in rows
    }
    assert got == {k: v for k, v in raw.items() if any(v.values())}

    # Every counter, not just those five: the same sums as the largest cube filtered.
    where_cells = selectors._conditions(audience, selection)
    p = selection.period
    largest = {
        r["track"]: r for r in real(CUBE_BY_CODE[LARGEST], where_cells, first=p.start, last=p.end, group="track")
    }
    own = {r["track"]: r for r in real(CUBE_BY_CODE[cube], where_cells, first=p.start, last=p.end, group="track")}
    assert own == largest and any(r["received"] for r in own.values())
    assert set(FIELDS) <= set(next(iter(own.values())))


@pytest.mark.parametrize(
    ("who", "params"),
    [
        ("bank", {"product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE, "door": Door.ONLINE}),  # its scope
        ("admin", {"institution": "bank", "court": "court", "product": Product.CREDIT_CARD, "door": Door.ONLINE}),
    ],
)
def test_a_read_of_the_largest_cube_for_one_institution_uses_the_index_of_its_cells(world, mixed_year, who, params):
    """Not the walk through every cell of the cube in the period (`stats_cell_key`: cube, month, ...)."""
    from django.db import connection

    audience = audience_for(world.users[who])
    ids = {"bank": str(world.bank.pk), "court": str(world.court.pk)}
    asked = {k: ids.get(str(v), v) for k, v in params.items()}
    selection = selection_parse(audience, {"period": "year", "at": "2025", "breakdown": "track", **asked})
    needed = selectors._needed(audience, selection, breakdown="track")
    assert selectors._cube(needed).code == LARGEST
    p = selection.period
    sql, sql_params = selectors.cell_sums_sql(
        CUBE_BY_CODE[LARGEST], selectors._conditions(audience, selection), first=p.start, last=p.end, group="track"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Over sixty cases every plan costs the same; that this index serves the statement is shown by
            # leaving the planner nothing else (undone with the test's transaction).
            cursor.execute("ALTER TABLE stats_cell DROP CONSTRAINT stats_cell_key")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", sql_params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", sql_params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "stats_cell_institution" in plan, plan
