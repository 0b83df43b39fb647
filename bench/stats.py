"""Figures benchmark: every dashboard query at a million cases, from the rollups and from the raw tables.

    python -m bench.stats [--cases N] [--smoke] [--reps R] [--raw-reps R] [--no-raw] [--transitions T] [--reuse]
                          [--rebuild] [--output PATH]

Uses its own database: bench/results/stats.sqlite3 (deleted first), or the PostgreSQL database named by
DATABASE_URL (created if missing, emptied if it holds tables and its name contains "bench"). Loads N
synthetic cases with their timeline, numbers and batch rows by raw bulk inserts, builds the rollups with the
real `stats_rebuild` (timed), then times each dashboard query of `xietong.stats.selectors` and, in the same
run, the same figure computed from the raw tables (cases, events, numbers, batch rows) with plain SQL
aggregates; the two must agree. Goal (issue 15): every dashboard query p50 ≤ 30 ms, p99 ≤ 100 ms.

The price of the cubes is measured too: the rebuild's time (the facts, then the cells), the cells kept, and,
at the end, T real transitions (a mediation agreed, a mediation failed, a repaid case fulfilled) written to
the raw tables and each followed by the rollup's refresh of that one case: the cells it wrote and its time.

`--reuse` keeps the database of an earlier run (its cases, facts and cells; new migrations are applied) instead
of loading it again, to time the queries of changed code on the same data; `--rebuild` rebuilds its rollups.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.lookup import (
    CHANNELS,
    DOORS,
    INSTITUTIONS,
    MAIN_COURT_SHARE,
    PRODUCTS,
    RESULTS_DIR,
    SEED,
    _copy_line,
    _cumulative,
    _ts,
    reset_postgres_database,
    versions,
)

SQLITE_FILE = RESULTS_DIR / "stats.sqlite3"
DEFAULT_CASES = 1_000_000
SMOKE_CASES = 5_000
CHUNK = 20_000
GOAL_P50_MS = 30.0
GOAL_P99_MS = 100.0
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
START = NOW - dt.timedelta(days=365)
CST = dt.timezone(dt.timedelta(hours=8))
MEDIATORS = 30
CATEGORIES = (("信用卡", "credit-card", ""), ("消费贷", "consumer", ""), ("经营贷", "business", ""),
              ("水土生态", "eco", "green"), ("乡村振兴", "rural", "yellow"), ("青年创业金", "youth", "red"))  # fmt: skip
CATEGORY_WEIGHTS = (40, 20, 10, 10, 12, 8)
# A state and the path that led to it (after "submitted"), weighted as in bench.lookup.
PATHS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("submitted", 5, ()),
    ("triaged", 5, ("triaged",)),
    ("mediating", 12, ("triaged", "mediating")),
    ("agreement", 4, ("triaged", "mediating", "agreement")),
    ("confirmed", 4, ("triaged", "mediating", "agreement", "confirmed")),
    ("performing", 10, ("triaged", "mediating", "agreement", "confirmed", "performing")),
    ("fulfilled", 25, ("triaged", "mediating", "agreement", "confirmed", "performing", "fulfilled")),
    ("failed", 5, ("triaged", "mediating", "failed")),
    ("filed", 5, ("triaged", "mediating", "failed", "filed")),
    ("tried", 3, ("triaged", "mediating", "failed", "filed", "tried")),
    ("enforcing", 4, ("triaged", "mediating", "agreement", "confirmed", "performing", "enforcing")),
    ("closed", 12, ("triaged", "mediating", "failed", "filed", "tried", "closed")),
    ("withdrawn", 4, ("triaged", "mediating", "withdrawn")),
    ("rejected", 2, ("rejected",)),
)
NUMBER_AT = {"confirmed": "民特", "filed": "民初", "enforcing": "执"}
ENDED = {"fulfilled", "closed", "withdrawn", "rejected"}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.stats", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=None, help=f"cases to generate (default {DEFAULT_CASES:,})")
    p.add_argument("--smoke", action="store_true", help=f"{SMOKE_CASES:,} cases and few repetitions: seconds")
    p.add_argument("--reps", type=int, default=None, help="timed repetitions per rollup query (default 200; smoke 20)")
    p.add_argument("--raw-reps", type=int, default=None, help="repetitions per raw query (default 1, cold; smoke 2)")
    p.add_argument("--no-raw", action="store_true", help="skip the raw-table figures (and their agreement check)")
    p.add_argument("--transitions", type=int, default=None, help="transitions refreshed at the end (default 300)")
    p.add_argument("--reuse", action="store_true", help="keep the database of an earlier run: no load, no rebuild")
    p.add_argument("--rebuild", action="store_true", help="with --reuse: rebuild the rollups (timed) all the same")
    p.add_argument("--output", type=Path, default=None, help="JSON path (default bench/results/stats-<vendor>.json)")
    args = p.parse_args(argv)
    if args.cases is None:
        args.cases = SMOKE_CASES if args.smoke else DEFAULT_CASES
    args.reps = args.reps or (20 if args.smoke else 200)
    args.raw_reps = args.raw_reps or (2 if args.smoke else 1)
    args.transitions = args.transitions if args.transitions is not None else (30 if args.smoke else 300)
    return args


def prepare_environment(*, reuse: bool = False) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings.dev")
    os.environ.setdefault("DEBUG", "0")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL", "")
    if url:
        if not reuse:
            reset_postgres_database(url)
        return "postgresql"
    if not reuse:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    os.environ["SQLITE_PATH"] = str(SQLITE_FILE)
    return "sqlite"


# ---------------------------------------------------------------------------------------------------------------
# Synthetic data: organisations, categories and mediators through the ORM; cases, their timeline, numbers and
# batch rows by raw bulk inserts.


@dataclass
class World:
    courts: list[int]
    institutions: list[int]
    categories: list[int]
    mediators: list[int]
    batches: dict[tuple[int, str], int]  # (institution, month) → batch id
    users: dict[str, Any]


def create_world() -> World:
    from xietong.accounts.choices import CourtLevel, OrganisationKind, Role
    from xietong.accounts.models import Organisation, User
    from xietong.batches.models import Batch
    from xietong.cases.models import Category
    from xietong.core.idgen import fake_uscc

    rng = random.Random(SEED)
    upper = Organisation.objects.create(
        kind=OrganisationKind.COURT, name="龙岩市中级人民法院", court_code="闽08", court_level=CourtLevel.INTERMEDIATE
    )
    main = Organisation.objects.create(
        kind=OrganisationKind.COURT,
        name="新罗区人民法院",
        court_code="闽0802",
        court_level=CourtLevel.BASIC,
        parent=upper,
    )
    insts = [
        Organisation.objects.create(kind=OrganisationKind.INSTITUTION, name=name, uscc=fake_uscc(rng))
        for name, _share in INSTITUTIONS
    ]
    cats = [Category.objects.create(name=n, code=c, colour=col) for n, c, col in CATEGORIES]
    org = Organisation.objects.create(kind=OrganisationKind.MEDIATION_ORG, name="调解委员会")
    regulator_org = Organisation.objects.create(kind=OrganisationKind.PBOC_BRANCH, name="人民银行")
    mediators = [
        User.objects.create(username=f"m{i}", role=Role.MEDIATOR, organisation=org, full_name=f"调解员{i}")
        for i in range(MEDIATORS)
    ]
    users = {
        "admin": User.objects.create(username="admin", role=Role.CENTER_ADMIN, organisation=upper),
        "clerk": User.objects.create(username="clerk", role=Role.CLERK, organisation=main),
        "regulator": User.objects.create(username="pboc", role=Role.REGULATOR, organisation=regulator_org),
        "bank": User.objects.create(username="bank", role=Role.INSTITUTION_OPERATOR, organisation=insts[3]),
        "mediator": mediators[0],
    }
    batches = {}
    month = START.astimezone(CST).date().replace(day=1)
    while month <= NOW.astimezone(CST).date():
        for inst in insts:
            b = Batch.objects.create(
                institution=inst,
                file=f"batches/{inst.pk}-{month:%Y%m}.csv",
                original_name=f"{month:%Y%m}.csv",
                source_format="csv",
                size=1,
                sha256=f"{inst.pk:08d}{month:%Y%m}".ljust(64, "0"),
                status="imported",
                created_at=dt.datetime.combine(month, dt.time(9), tzinfo=CST),
            )
            batches[(inst.pk, f"{month:%Y-%m}")] = b.pk
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return World(
        [main.pk, upper.pk], [o.pk for o in insts], [c.pk for c in cats], [m.pk for m in mediators], batches, users
    )


def find_world() -> World | None:
    """The world of an earlier run (`--reuse`), or None if the database holds none."""
    from xietong.accounts.choices import OrganisationKind, Role
    from xietong.accounts.models import Organisation, User
    from xietong.batches.models import Batch
    from xietong.cases.models import Case, Category

    courts = dict(Organisation.objects.filter(kind=OrganisationKind.COURT).values_list("name", "pk"))
    if set(courts) != {"新罗区人民法院", "龙岩市中级人民法院"} or not Case.objects.exists():
        return None
    users = {u.username: u for u in User.objects.filter(username__in=("admin", "clerk", "pboc", "bank", "m0"))}
    batches = {(b.institution_id, f"{b.created_at.astimezone(CST):%Y-%m}"): b.pk for b in Batch.objects.order_by("pk")}
    return World(
        [courts["新罗区人民法院"], courts["龙岩市中级人民法院"]],
        list(Organisation.objects.filter(kind=OrganisationKind.INSTITUTION).order_by("pk").values_list("pk", flat=True)),
        list(Category.objects.order_by("pk").values_list("pk", flat=True)),
        list(User.objects.filter(role=Role.MEDIATOR).order_by("pk").values_list("pk", flat=True)),
        batches,
        {"admin": users["admin"], "clerk": users["clerk"], "regulator": users["pboc"], "bank": users["bank"],
         "mediator": users["m0"]},
    )  # fmt: skip


CASE_COLS = ("id", "number", "state", "court_id", "institution_id", "product", "category_id", "channel", "track",
             "door", "mediator_id", "principal", "interest", "penalty", "total", "facts", "claims", "wishes",
             "submitted_at", "closed_at", "updated_at")  # fmt: skip
EVENT_COLS = ("case_id", "at", "kind", "from_state", "to_state", "actor_label", "note", "data")
NUMBER_COLS = ("case_id", "kind", "court_id", "year", "seq", "text", "assigned_at")
ROW_COLS = (
    "batch_id",
    "number",
    "raw",
    "data",
    "errors",
    "is_valid",
    "is_duplicate",
    "id_number",
    "contract_number",
    "case_id",
)
TABLES = (("cases_case", CASE_COLS), ("cases_caseevent", EVENT_COLS), ("cases_casenumber", NUMBER_COLS),
          ("batches_batchrow", ROW_COLS))  # fmt: skip


def generate(n_cases: int, world: World) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    rng = random.Random(SEED)
    paths, path_cum = _cumulative([((s, p), w) for s, w, p in PATHS])
    products, product_cum = _cumulative(PRODUCTS)
    doors, door_cum = _cumulative(DOORS)
    channels, channel_cum = _cumulative(CHANNELS)
    insts, inst_cum = _cumulative(
        [(pk, share) for pk, (_n, share) in zip(world.institutions, INSTITUTIONS, strict=True)]
    )
    cats, cat_cum = _cumulative(list(zip(world.categories, CATEGORY_WEIGHTS, strict=True)))
    seqs: dict[tuple[int, str, int], int] = {}
    batch_rows: dict[int, int] = {}
    span = (NOW - START).total_seconds()
    out: dict[str, list[tuple[Any, ...]]] = {t: [] for t, _c in TABLES}
    for n in range(1, n_cases + 1):
        submitted = START + dt.timedelta(seconds=span * (n - 0.5) / n_cases + rng.uniform(-1800, 1800))
        submitted = min(max(submitted, START), NOW - dt.timedelta(hours=1))
        court = world.courts[0] if rng.random() < MAIN_COURT_SHARE else world.courts[1]
        state, path = rng.choices(paths, cum_weights=path_cum)[0]
        inst = rng.choices(insts, cum_weights=inst_cum)[0]
        door = rng.choices(doors, cum_weights=door_cum)[0]
        triaged = bool(path) and path[0] == "triaged"
        channel = rng.choices(channels, cum_weights=channel_cum)[0] if triaged else ""
        track = rng.choice(("fast", "fast", "normal")) if triaged else ""
        mediator = rng.choice(world.mediators) if "mediating" in path else None
        # Each step a few days after the one before; never past NOW.
        steps = []
        at = submitted
        for step in path:
            at = min(at + dt.timedelta(hours=rng.uniform(2, 24 * (12 if step in ("filed", "tried") else 5))), NOW)
            steps.append((step, at))
        closed = steps[-1][1] if state in ENDED else None
        principal = rng.randrange(100_000, 30_000_000)
        p, t = f"{principal // 100}.{principal % 100:02d}", f"{principal // 100}.{principal % 100:02d}"
        year = submitted.astimezone(CST).year
        numbers = [("民诉前调", submitted)] + [(NUMBER_AT[s], a) for s, a in steps if s in NUMBER_AT]
        current = ""
        for kind, when in numbers:
            key = (court, kind, year)
            seqs[key] = seq = seqs.get(key, 0) + 1
            current = f"（{year}）{court}{kind}{seq}号"
            out["cases_casenumber"].append((n, kind, court, year, seq, current, _ts(when)))
        out["cases_case"].append(
            (n, current, state, court, inst, rng.choices(products, cum_weights=product_cum)[0],
             rng.choices(cats, cum_weights=cat_cum)[0], channel, track, door, mediator, p, "0.00", "0.00", t, "", "", "[]",
             _ts(submitted), _ts(closed) if closed else None, _ts(steps[-1][1] if steps else submitted))
        )  # fmt: skip
        out["cases_caseevent"].append((n, _ts(submitted), "created", "", "submitted", "bench", "", "{}"))
        previous = "submitted"
        for step, when in steps:
            out["cases_caseevent"].append((n, _ts(when), step, previous, step, "bench", "", "{}"))
            previous = step
        if door == "batch":
            batch = world.batches[(inst, f"{submitted.astimezone(CST):%Y-%m}")]
            batch_rows[batch] = row = batch_rows.get(batch, 1) + 1
            out["batches_batchrow"].append((batch, row, "{}", "{}", "[]", True, False, "", "", n))
        if n % CHUNK == 0 or n == n_cases:
            yield out
            out = {t: [] for t, _c in TABLES}


def load(n_cases: int, world: World, vendor: str) -> dict[str, int]:
    from django.db import connection, transaction

    counts = {t: 0 for t, _c in TABLES}
    if vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        raw.execute("PRAGMA journal_mode=OFF")
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("BEGIN")
        for chunk in generate(n_cases, world):
            for table, cols in TABLES:
                raw.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", chunk[table]
                )
                counts[table] += len(chunk[table])
        raw.execute("COMMIT")
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    else:
        from django.core.management.color import no_style

        from xietong.batches.models import BatchRow
        from xietong.cases.models import Case, CaseEvent, CaseNumber

        ts = {"at", "submitted_at", "closed_at", "updated_at", "assigned_at"}
        with transaction.atomic(), connection.connection.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            for chunk in generate(n_cases, world):
                for table, cols in TABLES:
                    at = [k for k, c in enumerate(cols) if c in ts]
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in chunk[table]:
                            values = tuple(f"{v}+00" if k in at and v is not None else v for k, v in enumerate(row))
                            copy.write(_copy_line(values))
                    counts[table] += len(chunk[table])
        with connection.cursor() as cur:
            for stmt in connection.ops.sequence_reset_sql(no_style(), [Case, CaseEvent, CaseNumber, BatchRow]):
                cur.execute(stmt)
            cur.execute("VACUUM (ANALYZE) cases_case")
            cur.execute("ANALYZE")
    connection.close()
    return counts


# ---------------------------------------------------------------------------------------------------------------
# The figures from the raw tables: plain aggregates over cases, events, numbers and batch rows. They compute the
# benchmark's figures (received, amount, closed, closure rate, days to close, within 30 days, resolved before
# litigation, mediation success) by the definitions of docs/measures.md, so that each can be checked against
# the rollup's.


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    from django.utils import timezone

    from xietong.stats.periods import add_months

    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(add_months(last, 1), dt.time.min))
    return start, end


def raw_figures(where: dict[str, Any], first: dt.date, last: dt.date, *, by: str = "") -> dict[Any, dict[str, Any]]:
    """The figures per value of `by` (a Case field or ""), computed from the raw tables."""
    from django.db.models import BigIntegerField, Count, Exists, F, Max, OuterRef, Q, Subquery, Sum
    from django.db.models.functions import Cast, Round

    from xietong.cases.definitions import (
        CLOSED_STATES,
        LITIGATION_NUMBERS,
        SETTLED_STATES,
        closed_within_target,
        days_to_close,
    )
    from xietong.cases.models import Case, CaseEvent, CaseNumber
    from xietong.stats.measures import HISTOGRAM, day_bucket
    from xietong.stats.selectors import figures_of

    start, end = _bounds(first, last)
    cases = Case.objects.filter(**where)
    group = [by] if by else []

    def grouped(qs: Any, **agg: Any) -> dict[Any, dict[str, Any]]:
        rows = qs.values(*group).annotate(**agg).order_by() if group else [qs.aggregate(**agg)]
        return {(r[by] if by else None): r for r in rows}

    # Amounts in fen, as integers: SQLite adds NUMERIC columns as floats (…21.88 for …21.89).
    fen = Sum(Cast(Round(F("total") * 100), BigIntegerField()))
    received = grouped(cases.filter(submitted_at__gte=start, submitted_at__lt=end), n=Count("pk"), amount=fen)
    carried = grouped(
        cases.filter(submitted_at__lt=start).filter(
            Q(closed_at__isnull=True) | Q(closed_at__gte=start) | ~Q(state__in=CLOSED_STATES)
        ),
        n=Count("pk"),
    )
    closed_rows = cases.filter(state__in=CLOSED_STATES, closed_at__gte=start, closed_at__lt=end).values_list(
        *(group or ["pk"]), "submitted_at", "closed_at"
    )
    litigated = CaseNumber.objects.filter(case_id=OuterRef("pk"), kind__in=LITIGATION_NUMBERS)
    agreed = (
        CaseEvent.objects.filter(case_id=OuterRef("pk"), to_state="agreement")
        .values("case_id")
        .annotate(m=Max("at"))
        .values("m")
    )
    resolved = grouped(
        cases.filter(state__in=SETTLED_STATES)
        .exclude(Exists(litigated))
        .annotate(agreed_at=Subquery(agreed))
        .filter(agreed_at__gte=start, agreed_at__lt=end),
        n=Count("pk"),
    )
    last_end = (
        CaseEvent.objects.filter(
            case_id=OuterRef("case_id"), from_state="mediating", to_state__in=["agreement", "failed"]
        )
        .order_by("-at", "-pk")
        .values("pk")[:1]
    )
    endings = CaseEvent.objects.filter(
        case__in=cases,
        from_state="mediating",
        to_state__in=["agreement", "failed"],
        at__gte=start,
        at__lt=end,
        pk=Subquery(last_end),
    )
    by_ending = f"case__{by}" if by else ""
    med: dict[Any, dict[str, int]] = {}
    for row in (
        (endings.values(by_ending, "to_state") if by else endings.values("to_state")).annotate(n=Count("pk")).order_by()
    ):
        key = row[by_ending] if by else None
        med.setdefault(key, {"ok": 0, "failed": 0})["ok" if row["to_state"] == "agreement" else "failed"] += row["n"]
    counters: dict[Any, dict[str, int]] = {}
    for key in set(received) | set(carried) | set(resolved) | set(med):
        counters[key] = dict.fromkeys(
            ("received", "amount", "closed", "in_target", "resolved", "med_ok", "med_failed"), 0
        )
        counters[key]["received"] = received.get(key, {}).get("n") or 0
        counters[key]["amount"] = int(received.get(key, {}).get("amount") or 0)
        counters[key]["resolved"] = resolved.get(key, {}).get("n") or 0
        counters[key]["med_ok"] = med.get(key, {}).get("ok", 0)
        counters[key]["med_failed"] = med.get(key, {}).get("failed", 0)
    for row in closed_rows:
        key = row[0] if by else None
        c = counters.setdefault(
            key, dict.fromkeys(("received", "amount", "closed", "in_target", "resolved", "med_ok", "med_failed"), 0)
        )
        c["closed"] += 1
        c["in_target"] += closed_within_target(row[-2], row[-1])
        h = HISTOGRAM[day_bucket(days_to_close(row[-2], row[-1]))]
        c[h] = c.get(h, 0) + 1
    return {
        key: {
            k: f.value
            for k, f in figures_of(c, carried.get(key, {}).get("n") or 0, suppress=False).items()
            if k in COMPARED
        }
        for key, c in counters.items()
    }


COMPARED = (
    "received",
    "amount",
    "closed",
    "closure_rate",
    "median_days",
    "p90_days",
    "within_target_rate",
    "resolved",
    "mediation_success_rate",
)


def rollup_values(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: f.value for k, f in figures.items() if k in COMPARED}


# ---------------------------------------------------------------------------------------------------------------
# The queries.


@dataclass
class Query:
    key: str
    label: str
    rollup: Callable[[], Any]  # returns {key: {measure: value}}
    raw: Callable[[], Any] | None


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def timed(run: Callable[[], Any], reps: int, *, warm_up: bool = True) -> tuple[dict[str, float], Any]:
    if warm_up:
        run()  # plans, caches
    times = []
    result = None
    gc.collect()
    for _ in range(reps):
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
    return {
        "p50": round(statistics.median(times) * 1000, 2),
        "p99": round(percentile(times, 0.99) * 1000, 2),
        "max": round(max(times) * 1000, 2),
    }, result


def build_queries(world: World) -> list[Query]:
    from xietong.stats.periods import Period
    from xietong.stats.selectors import (
        Selection,
        audience_for,
        breakdown,
        dashboard_build,
        figures_of,
        totals,
        trend,
    )

    year = Period("year", dt.date(2026, 1, 1), dt.date(2026, 12, 1))
    quarter = Period("quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 1))
    month = Period("month", dt.date(2026, 10, 1), dt.date(2026, 10, 1))
    center = audience_for(world.users["admin"])
    court = audience_for(world.users["clerk"])
    regulator = audience_for(world.users["regulator"])
    bank = audience_for(world.users["bank"])
    mediator = audience_for(world.users["mediator"])
    inst = world.institutions[3]

    def head(aud: Any, sel: Any) -> Callable[[], Any]:
        def run() -> Any:
            t = totals(aud, sel)
            return {None: rollup_values(figures_of(t.counters, t.carried, suppress=False))}

        return run

    def rows(aud: Any, sel: Any, column: str = "") -> Callable[[], Any]:
        def run() -> Any:
            return {r.key: rollup_values(r.figures) for r in breakdown(aud, sel)}

        return run

    def months(aud: Any, sel: Any) -> Callable[[], Any]:
        def run() -> Any:
            return {m: rollup_values(f) for m, f in trend(aud, sel)}

        return run

    def raw_months(where: dict[str, Any], sel: Any) -> Callable[[], Any]:
        def run() -> Any:
            from xietong.stats.selectors import trend_months

            return {m: raw_figures(where, m, m)[None] for m in trend_months(sel.period)}

        return run

    def raw(where: dict[str, Any], period: Period, by: str = "") -> Callable[[], Any]:
        return lambda: raw_figures(where, period.start, period.end, by=by)

    y = Selection(period=year)
    q = Selection(period=quarter, filters=(("channel", "mediable"), ("track", "fast")), breakdown="product")
    m = Selection(period=month)
    by_inst = Selection(period=year, breakdown="institution")
    by_batch = Selection(period=year, breakdown="batch")
    five_where = {"product": "credit_card", "channel": "mediable", "door": "batch"}
    five = Selection(period=year, filters=tuple(five_where.items()), breakdown="track")
    return [
        Query("center_year", "center: headline figures, a year", head(center, y), raw({}, year)),
        Query("center_months", "center: the twelve months of a year", months(center, y), raw_months({}, y)),
        Query("center_by_institution", "center: by institution, a year", rows(center, by_inst), raw({}, year, "institution_id")),
        Query("center_by_product_filtered", "center: by product, mediable+fast, a quarter", rows(center, q),
              raw({"channel": "mediable", "track": "fast"}, quarter, "product")),
        Query("court_month", "court: headline figures, a month", head(court, m), raw({"court_id": world.courts[0]}, month)),
        Query("regulator_by_channel", "regulator: by channel, a year", rows(regulator, Selection(period=year, breakdown="channel")),
              raw({}, year, "channel")),
        Query("institution_year", "institution: its own headline, a year", head(bank, y), raw({"institution_id": inst}, year)),
        Query("institution_by_batch", "institution: by batch, a year", rows(bank, by_batch), None),
        Query("institution_four_dims", "institution: by track, credit card + mediable, a year (four dimensions)",
              rows(bank, Selection(period=year, filters=(("product", "credit_card"), ("channel", "mediable")), breakdown="track")),
              raw({"institution_id": inst, "product": "credit_card", "channel": "mediable"}, year, "track")),
        Query("institution_five_dims", "institution: by track, credit card + mediable + batch door, a year (five dimensions)",
              rows(bank, five), raw({"institution_id": inst, **five_where}, year, "track")),
        Query("court_five_dims", "court: by track, credit card + mediable + batch door, a year (five dimensions)",
              rows(court, five), raw({"court_id": world.courts[0], **five_where}, year, "track")),
        Query("court_by_institution_five_dims",
              "court: by institution, credit card + mediable + batch door, a year (five dimensions, across institutions)",
              rows(court, Selection(period=year, filters=five.filters, breakdown="institution")),
              raw({"court_id": world.courts[0], **five_where}, year, "institution_id")),
        Query("institution_page_four_filters",
              "institution: the whole dashboard, credit card + mediable + batch door + fast track (the region beside)",
              lambda: dashboard_build(audience=bank, selection=Selection(period=year, filters=(*five.filters, ("track", "fast")))),
              None),
        Query("mediator_months", "mediator: the twelve months of a year", months(mediator, y),
              raw_months({"mediator_id": world.mediators[0]}, y)),
        Query("center_page", "center: the whole dashboard (every query of the page)",
              lambda: dashboard_build(audience=center, selection=by_inst), None),
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# The price of the cubes: the rebuild's phases, and one case's refresh after a transition.


class Phases:
    """Wraps the rollup's own functions with timers (and a counter of the cells each upsert wrote)."""

    def __init__(self) -> None:
        from xietong.stats import rollup

        self.rollup = rollup
        self.seconds: dict[str, float] = {}
        self.cells_added: list[int] = []
        self.originals = {
            name: getattr(rollup, name) for name in ("_cells_insert_finest", "_cells_derive", "_cells_add")
        }
        for name in ("_cells_insert_finest", "_cells_derive"):
            setattr(rollup, name, self._timed(name, self.originals[name]))
        rollup._cells_add = self._counted(self.originals["_cells_add"])

    def _timed(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0

        return run

    def _counted(self, fn: Callable[..., int]) -> Callable[..., int]:
        def run(rows: Any) -> int:
            written = fn(rows)
            self.cells_added.append(written)
            return written

        return run


# (state before, state after, the timeline event's kind, other changes of the case): the first three change the
# counters of one month; the triage override moves every month of the case from one channel to another.
TRANSITION_STEPS: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    ("mediating", "agreement", "agreement", {}),
    ("mediating", "failed", "failed", {}),
    ("performing", "fulfilled", "fulfilled", {}),
    ("mediating", "mediating", "triage_override", {"channel": "hard_to_enforce"}),
)


def measure_transitions(n: int, phases: Phases) -> dict[str, Any]:
    """`n` changes written to the raw tables, each followed by `stats_refresh` of its case (timed)."""
    from xietong.cases.models import Case, CaseEvent
    from xietong.stats.rollup import stats_refresh

    rng = random.Random(SEED + 1)
    times: list[float] = []
    cells: dict[str, list[int]] = {}
    per_step = max(1, n // len(TRANSITION_STEPS))
    at = NOW + dt.timedelta(hours=1)
    for before, after, kind, changes in TRANSITION_STEPS:
        candidates = Case.objects.filter(state=before).order_by("pk")
        if "channel" in changes:
            candidates = candidates.exclude(channel=changes["channel"])
        ids = list(candidates.values_list("pk", flat=True))
        for pk in sorted(rng.sample(ids, min(per_step, len(ids)))):
            at += dt.timedelta(seconds=1)
            closed = {"closed_at": at} if after in ENDED else {}
            Case.objects.filter(pk=pk).update(state=after, updated_at=at, **closed, **changes)
            CaseEvent.objects.create(
                case_id=pk, at=at, kind=kind, from_state=before, to_state=after, actor_label="bench"
            )
            written = len(phases.cells_added)
            t0 = time.perf_counter()
            stats_refresh(case_ids=[pk])
            times.append(time.perf_counter() - t0)
            cells.setdefault(kind, []).append(sum(phases.cells_added[written:]))
    every = [c for kind_cells in cells.values() for c in kind_cells]
    if not every:
        return {}
    return {
        "transitions": len(every),
        "cells_per_refresh": {"mean": round(statistics.mean(every), 1), "min": min(every), "max": max(every)},
        "cells_per_refresh_by_kind": {kind: round(statistics.mean(c), 1) for kind, c in cells.items()},
        "refresh_ms": {
            "p50": round(statistics.median(times) * 1000, 2),
            "p99": round(percentile(times, 0.99) * 1000, 2),
            "max": round(max(times) * 1000, 2),
        },
    }


def cells_size(vendor: str) -> int | None:
    """Bytes of the cells table and its indexes (SQLite: when the dbstat table is compiled in)."""
    from django.db import DatabaseError, connection

    with connection.cursor() as cur:
        try:
            if vendor == "sqlite":
                cur.execute(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                    "(SELECT name FROM sqlite_master WHERE tbl_name = 'stats_cell')"
                )
            else:
                cur.execute("SELECT pg_total_relation_size('stats_cell')")
            row = cur.fetchone()
        except DatabaseError:
            return None
    return int(row[0]) if row and row[0] is not None else None


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        return int(cur.fetchone()[0])


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def agree(a: Any, b: Any) -> bool:
    """The same figures, whatever the keys' types (a month as a date or as text)."""
    return json.dumps(_plain(a), sort_keys=True, default=str) == json.dumps(_plain(b), sort_keys=True, default=str)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    vendor = prepare_environment(reuse=args.reuse)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from xietong.audit.services import SYSTEM
    from xietong.stats.cubes import CUBES
    from xietong.stats.rollup import stats_rebuild

    call_command("migrate", interactive=False, verbosity=0)
    found = find_world() if args.reuse else None
    if found is None:
        print(f"{vendor}: generating {args.cases:,} cases", flush=True)
        t0 = time.perf_counter()
        world = create_world()
        counts = load(args.cases, world, vendor)
        generation_s: float | None = time.perf_counter() - t0
        print(f"loaded {sum(counts.values()):,} rows in {generation_s:.1f} s {counts}", flush=True)
    else:
        world, generation_s = found, None
        counts = {table: _count(table) for table, _cols in TABLES}
        args.cases = counts["cases_case"]
        print(f"{vendor}: reusing the database of an earlier run ({args.cases:,} cases)", flush=True)
    phases = Phases()
    rebuilt: Any = None
    rebuild_s = 0.0
    if found is None or args.rebuild:
        t0 = time.perf_counter()
        rebuilt = stats_rebuild(actor=SYSTEM)
        rebuild_s = time.perf_counter() - t0
    with connection.cursor() as cur:
        if found is not None and rebuilt:
            # The rebuild deleted the earlier run's cells: without compaction the size measured below would
            # count their space too.
            cur.execute("VACUUM" if vendor == "sqlite" else "VACUUM (FULL) stats_cell")
        cur.execute("ANALYZE" if vendor == "sqlite" else "VACUUM (ANALYZE) stats_cell")
    cells_s = sum(phases.seconds.values())
    size = cells_size(vendor)
    n_cells = rebuilt.cells if rebuilt else _count("stats_cell")
    print(
        f"stats_rebuild: {rebuilt.facts:,} facts, {n_cells:,} cells in {len(CUBES)} cubes in {rebuild_s:.1f} s"
        f" (the cells: {cells_s:.1f} s; {size / 2**20 if size else 0:.0f} MiB)"
        if rebuilt
        else f"not rebuilt: {n_cells:,} cells ({size / 2**20 if size else 0:.0f} MiB)",
        flush=True,
    )

    results = []
    for query in build_queries(world):
        rollup_ms, rollup_result = timed(query.rollup, args.reps)
        entry: dict[str, Any] = {"key": query.key, "label": query.label, "rollup_ms": rollup_ms}
        if query.raw is not None and not args.no_raw:
            raw_ms, raw_result = timed(query.raw, args.raw_reps, warm_up=args.smoke)
            entry["raw_ms"] = raw_ms
            entry["agree"] = agree(rollup_result, raw_result)
            if not entry["agree"]:
                entry["difference"] = {"rollup": str(rollup_result)[:2000], "raw": str(raw_result)[:2000]}
        entry["goal"] = "ok" if rollup_ms["p50"] <= GOAL_P50_MS and rollup_ms["p99"] <= GOAL_P99_MS else "MISS"
        results.append(entry)
        raw_note = f"raw p50 {entry['raw_ms']['p50']:>9.1f} ms, agree={entry['agree']}" if "raw_ms" in entry else ""
        print(
            f"  {query.label:<55} p50 {rollup_ms['p50']:>7.2f} p99 {rollup_ms['p99']:>7.2f} ms  {entry['goal']}  {raw_note}",
            flush=True,
        )

    transitions = measure_transitions(args.transitions, phases) if args.transitions else {}
    if transitions:
        print(
            f"  {transitions['transitions']} transitions, one case refreshed each: "
            f"{transitions['cells_per_refresh']['mean']:.0f} cells written per refresh (mean; "
            f"{transitions['cells_per_refresh_by_kind']}), "
            f"refresh p50 {transitions['refresh_ms']['p50']:.1f} ms, p99 {transitions['refresh_ms']['p99']:.1f} ms",
            flush=True,
        )

    load_avg = os.getloadavg() if hasattr(os, "getloadavg") else None
    report = {
        "benchmark": "stats",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "vendor": vendor,
        "cases": args.cases,
        "smoke": args.smoke,
        "rows": counts,
        "generation_s": round(generation_s, 1) if generation_s is not None else None,
        "reused": found is not None,
        "rebuild": {
            "seconds": round(rebuild_s, 1) if rebuilt else None,
            "cells_seconds": round(cells_s, 1) if rebuilt else None,
            "cells_phases_seconds": {name.strip("_"): round(v, 1) for name, v in phases.seconds.items()},
            "facts": rebuilt.facts if rebuilt else None,
            "cells": n_cells,
            "cubes": len(CUBES),
            "cells_bytes": size,
        },
        "transitions": transitions,
        "load_average": load_avg,
        "versions": versions(vendor),
        "goal": f"every dashboard query: p50 ≤ {GOAL_P50_MS:g} ms and p99 ≤ {GOAL_P99_MS:g} ms (rollup)",
        "results": results,
    }
    out = args.output or RESULTS_DIR / f"stats-{vendor}{'-smoke' if args.smoke else ''}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}; load average {load_avg}")
    failed = [r["key"] for r in results if r.get("agree") is False]
    if failed:
        print(f"the rollup and the raw tables disagree on: {failed}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
