"""Which cube answers a query: up to four of the seven main dimensions (counting an audience's own scope),
or any number of them but institution, are read from a cube of exactly those dimensions, whose figures are
those of the raw tables and of the largest cube they are sums of. Five or more with institution read the
largest cube: through the index of one institution's cells when the read is scoped to one, through the
index of its cells by the values filtered by when it is across institutions (broken down by institution,
or the other institutions counted beside an institution's own)."""

from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal
from itertools import combinations

import pytest
from django.db.models import Sum

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.services import organisation_create
from xietong.audit.services import SYSTEM
from xietong.cases.choices import CaseState, Channel, Door, Product, Track
from xietong.cases.definitions import CLOSED_STATES
from xietong.cases.models import Case, Category
from xietong.core.idgen import fake_uscc
from xietong.stats import selectors
from xietong.stats.cubes import (
    BESIDE_INSTITUTION,
    CUBE_BY_CODE,
    FAMILY_BY_CODE,
    FILTERS_INDEX,
    LARGEST,
    MAIN_DIMS,
    cube_for,
    finest,
)
from xietong.stats.facts import FIELDS
from xietong.stats.models import Cell
from xietong.stats.rollup import families_check, stats_rebuild, stats_verify
from xietong.stats.selectors import audience_for, breakdown, dashboard_build, selection_parse

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


def raw_by_track(by="track", **where):
    """Per track (or `by`), from the cases table: received, amount, closed, resolved (agreements), open at the end."""
    out = {}
    cases = Case.objects.filter(**where)
    for track in set(cases.values_list(by, flat=True)):
        mine = cases.filter(**{by: track})
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


def _plan(sql, sql_params, *, other_index):
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Over sixty cases every plan costs the same (a whole scan of the other partial index too); that
            # this index serves the statement is shown by leaving the planner nothing else (undone with the
            # test's transaction).
            cursor.execute("ALTER TABLE stats_cell DROP CONSTRAINT stats_cell_key")
            cursor.execute(f"DROP INDEX {other_index}")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", sql_params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", sql_params)
        return " ".join(str(row) for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("who", "params"),
    [
        ("bank", {"product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE, "door": Door.ONLINE}),  # its scope
        ("admin", {"institution": "bank", "court": "court", "product": Product.CREDIT_CARD, "door": Door.ONLINE}),
    ],
)
def test_a_read_of_the_largest_cube_for_one_institution_uses_the_index_of_its_cells(world, mixed_year, who, params):
    """Not the walk through every cell of the cube in the period (`stats_cell_key`: cube, month, ...)."""
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
    plan = _plan(sql, sql_params, other_index="stats_cell_filters")
    assert "stats_cell_institution" in plan, plan


ACROSS_INSTITUTIONS = [
    (
        "clerk",  # a court by institution, three filters: the track pinned to each of its values
        {"product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE, "door": Door.ONLINE},
        lambda w: {"court": w.court, "product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE, "door": Door.ONLINE},
    ),
    (
        "clerk",  # by colour (a list of categories), channel and door: the track and the product pinned to each value
        {"colour": "green", "channel": Channel.MEDIABLE, "door": Door.ONLINE},
        lambda w: {"court": w.court, "category__colour": "green", "channel": Channel.MEDIABLE, "door": Door.ONLINE},
    ),
    (
        "admin",  # the center by institution, four filters, the court among them
        {"court": "court", "product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE, "track": Track.FAST},
        lambda w: {"court": w.court, "product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE, "track": Track.FAST},
    ),
]  # fmt: skip


def _asked(world, params):
    ids = {"bank": str(world.bank.pk), "court": str(world.court.pk)}
    return {k: ids.get(str(v), v) for k, v in params.items()}


def walked(where, first, last, group):
    """The largest cube's cells summed by the ORM, without either index: what the walk of the cube answered."""
    lookups = {(k[:-4] + "__in" if k.endswith("__in") else k): v for k, v in where.items()}
    return {
        r[group]: {c: int(r[c] or 0) for c in FIELDS}
        for r in Cell.objects.filter(cube=LARGEST, month__gte=first, month__lte=last, **lookups)
        .values(group)
        .annotate(**{c: Sum(c) for c in FIELDS})
        .order_by()
    }


@pytest.mark.parametrize(("who", "params", "where"), ACROSS_INSTITUTIONS)
def test_a_read_across_institutions_says_what_the_raw_tables_and_the_whole_largest_cube_say(
    world, mixed_year, monkeypatch, who, params, where
):
    read = []
    real = selectors.cell_sums

    def spy(c, *args, **kwargs):
        read.append(c.code)
        return real(c, *args, **kwargs)

    monkeypatch.setattr(selectors, "cell_sums", spy)
    audience = audience_for(world.users[who])
    selection = selection_parse(
        audience, {"period": "year", "at": "2025", "breakdown": "institution", **_asked(world, params)}
    )
    rows = breakdown(audience, selection)
    assert read and set(read) == {LARGEST}

    raw = raw_by_track("institution_id", **where(world))
    assert sum(r["received"] for r in raw.values()) >= 3  # enough cases to say something
    got = {
        r.key: {code: r.figures[code].value for code in ("received", "amount", "closed", "resolved", "open_end")}
        for r in rows
    }
    assert got == {k: v for k, v in raw.items() if any(v.values())}

    where_cells = selectors._conditions(audience, selection)
    p = selection.period
    own = {r["institution_id"]: r for r in real(CUBE_BY_CODE[LARGEST], where_cells, first=p.start, last=p.end,
                                                 group="institution_id")}  # fmt: skip
    assert {k: {c: v[c] for c in FIELDS} for k, v in own.items()} == walked(
        where_cells, p.start, p.end, "institution_id"
    )


@pytest.mark.parametrize(("who", "params", "where"), ACROSS_INSTITUTIONS)
def test_a_read_of_the_largest_cube_across_institutions_uses_the_index_by_the_values_filtered_by(
    world, mixed_year, who, params, where
):
    """Not the walk through every cell of the cube in the period; the columns of the index before the last one
    filtered by are pinned to each value they take (the values of the cube of that dimension alone)."""
    audience = audience_for(world.users[who])
    selection = selection_parse(
        audience, {"period": "year", "at": "2025", "breakdown": "institution", **_asked(world, params)}
    )
    assert selectors._cube(selectors._needed(audience, selection, breakdown="institution")).code == LARGEST
    where_cells = selectors._conditions(audience, selection)
    p = selection.period
    sql, sql_params = selectors.cell_sums_sql(
        CUBE_BY_CODE[LARGEST], where_cells, first=p.start, last=p.end, group="institution_id"
    )
    pinned = {k.removesuffix("__in") for k in where_cells}
    last = max(FILTERS_INDEX.index(c) for c in pinned)
    each_value = [c for c in FILTERS_INDEX[:last] if c not in pinned]
    assert each_value and [
        v for v in sql_params if v in ("track", "channel", "door", "product", "court", "category")
    ] == [c.removesuffix("_id") for c in each_value]
    plan = _plan(sql, sql_params, other_index="stats_cell_institution")
    assert "stats_cell_filters" in plan, plan


def test_fewer_than_four_filtered_values_walk_the_largest_cube_as_before(world):
    """A read the cube is not chosen for (it is only for institution and four or more others) is not
    multiplied into every value of every column before the last one filtered by."""
    sql, _params = selectors.cell_sums_sql(
        CUBE_BY_CODE[LARGEST], {"court_id": world.court.pk, "door": Door.ONLINE}, first=dt.date(2025, 1, 1)
    )
    assert "SELECT DISTINCT" not in sql and "stats_cell_filters" not in sql


def test_the_region_beside_an_institution_with_four_filters_counts_the_others_from_the_index(
    world, mixed_year, monkeypatch
):
    """Its own figures, the region's and the count of the others: all as the raw tables say, the count from
    the largest cube's cells by the values filtered by (a read across institutions)."""
    filters = {"product": Product.CREDIT_CARD, "channel": Channel.MEDIABLE, "door": Door.ONLINE, "track": Track.FAST}
    rng = random.Random(5)

    def bank_with_cases(i):
        org = organisation_create(
            actor=SYSTEM, kind=OrganisationKind.INSTITUTION, name=f"第{i}银行", uscc=fake_uscc(rng)
        )
        for d in range(2):
            h = History.open(court=world.court, institution=org, submitted=f"2025-03-{10 + d} 10:00", door=Door.ONLINE)
            Case.objects.filter(pk=h.case.pk).update(channel=Channel.MEDIABLE, track=Track.FAST)

    read = []
    real = selectors.cell_sums

    def spy(c, *args, **kwargs):
        read.append((c.code, kwargs.get("group", "")))
        return real(c, *args, **kwargs)

    monkeypatch.setattr(selectors, "cell_sums", spy)
    audience = audience_for(world.users["bank"])
    selection = selection_parse(audience, {"period": "year", "at": "2025", **filters})
    shown = []
    for i in range(3):
        bank_with_cases(i)
        stats_rebuild(actor=SYSTEM)
        read.clear()
        board = dashboard_build(audience=audience, selection=selection)
        assert (LARGEST, "institution_id") in read
        matching = Case.objects.filter(submitted_at__gte=YEAR[0], submitted_at__lt=YEAR[1], **filters)
        others = set(matching.exclude(institution=world.bank).values_list("institution_id", flat=True))
        assert board.headline["received"].value == matching.filter(institution=world.bank).count()
        assert (board.region is not None) == (len(others) >= 3)
        if board.region is not None:
            assert board.region["received"].value == matching.count()
        shown.append(board.region is not None)
    assert shown[0] is False and shown[-1] is True  # the count decided both ways
