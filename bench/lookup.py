"""Lookup benchmark: how fast staff find a case by ID number or case number, and open the first list page.

    python -m bench.lookup [--cases N] [--smoke] [--reps R] [--budget S] [--prototype] [--output PATH]

Uses its own database: bench/results/bench.sqlite3 (deleted first), or the PostgreSQL database named by
DATABASE_URL (created if missing, emptied if it holds tables and its name contains "bench").
Loads N synthetic cases with raw bulk inserts, then times the real selectors (`case_list`,
`case_by_number`, `restrict_cases`) on the real schema. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import random
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
SQLITE_FILE = RESULTS_DIR / "bench.sqlite3"

DEFAULT_CASES = 1_000_000
SMOKE_CASES = 5_000
SEED = 20260101
BATCH = 20_000
LOOKUP_GOAL_DB_MS = 1.0  # issue: a lookup spends at most 1 ms in the database
LIST_GOAL_MS = 50.0  # issue: the first list page in at most 50 ms

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)  # fixed, so every run loads the same data
START = NOW - dt.timedelta(days=365)
CST = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai, for the year in case numbers

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭"
    + "曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红建国志文辉力斌"
    + "春梅海燕鹏宇晨浩凯婷雪琳欣怡子轩梓涵一诺思源"
)
STATES = (  # (state, weight, later number kind or "")
    ("submitted", 5, ""),
    ("triaged", 5, ""),
    ("mediating", 12, ""),
    ("agreement", 4, ""),
    ("confirmed", 4, "民特"),
    ("performing", 10, "民特"),
    ("fulfilled", 25, ""),
    ("failed", 5, ""),
    ("filed", 5, "民初"),
    ("tried", 3, "民初"),
    ("enforcing", 4, "执"),
    ("closed", 12, ""),
    ("withdrawn", 4, ""),
    ("rejected", 2, ""),
)
ENDED = {"fulfilled", "closed", "withdrawn", "rejected"}
PRODUCTS = (("credit_card", 45), ("consumer_loan", 30), ("business_loan", 10), ("mortgage", 5), ("guarantee", 5))
PRODUCTS += (("other", 5),)
DOORS = (("batch", 40), ("online", 30), ("api", 15), ("counter", 10), ("station", 5))
CHANNELS = (("mediable", 70), ("hard_to_enforce", 20), ("group_risk", 10))
INSTITUTIONS = (  # (name, share of cases)
    ("中国工商银行股份有限公司龙岩分行", 16),
    ("中国农业银行股份有限公司龙岩分行", 14),
    ("中国建设银行股份有限公司龙岩分行", 13),
    ("中国邮政储蓄银行股份有限公司龙岩市分行", 12),
    ("中国银行股份有限公司龙岩分行", 10),
    ("福建龙岩农村商业银行股份有限公司", 10),
    ("兴业银行股份有限公司龙岩分行", 8),
    ("招商银行股份有限公司龙岩分行", 7),
    ("福建海峡银行股份有限公司龙岩分行", 6),
    ("龙岩市新罗区恒信小额贷款有限公司", 4),
)
MAIN_COURT_SHARE = 0.8  # 闽0802 holds most pre-litigation mediations; 闽08 the rest


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.lookup", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=None, help=f"cases to generate (default {DEFAULT_CASES:,})")
    p.add_argument("--smoke", action="store_true", help=f"{SMOKE_CASES:,} cases and few repetitions: seconds")
    p.add_argument("--reps", type=int, default=None, help="timed repetitions per query (default 200; smoke 30)")
    p.add_argument("--budget", type=float, default=None, help="seconds per query before stopping early")
    p.add_argument("--output", type=Path, default=None, help="JSON path (default bench/results/lookup-<vendor>.json)")
    p.add_argument(
        "--prototype",
        action="store_true",
        help="PostgreSQL: after the real figures, time the same calls again with prepared statements (PROTOTYPE)",
    )
    args = p.parse_args(argv)
    if args.cases is None:
        args.cases = SMOKE_CASES if args.smoke else DEFAULT_CASES
    if args.reps is None:
        args.reps = 30 if args.smoke else 200
    if args.budget is None:
        args.budget = 2.0 if args.smoke else 60.0
    if args.cases < 100:
        p.error("--cases must be at least 100")
    return args


# ---------------------------------------------------------------------------------------------------------------
# Database selection: done before django.setup(), because the settings read the environment.


def prepare_environment() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings.dev")
    os.environ.setdefault("DEBUG", "0")  # no query log: time what production runs
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL", "")
    if url:
        if not url.startswith(("postgres://", "postgresql://")):
            raise SystemExit("bench.lookup supports SQLite (no DATABASE_URL) or PostgreSQL only")
        reset_postgres_database(url)
        return "postgresql"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    os.environ["SQLITE_PATH"] = str(SQLITE_FILE)
    return "sqlite"


def reset_postgres_database(url: str) -> None:
    """Create the database if missing; empty it if it holds tables (only a database named *bench*)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(url)
    name = str(cfg["NAME"])
    params = {
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
    }
    params = {k: v for k, v in params.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
            return
    with psycopg.connect(dbname=name, autocommit=True, **params) as conn:
        row = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        tables = row[0] if row else 0
        if not tables:
            return
        if "bench" not in name:
            raise SystemExit(
                f"database {name!r} already holds {tables} tables; the benchmark only empties a database "
                "whose name contains 'bench'. Pass a dedicated database."
            )
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
        conn.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
        print(f"emptied database {name} ({tables} tables dropped)")


# ---------------------------------------------------------------------------------------------------------------
# Synthetic data.


@dataclass
class World:
    court_main: Any  # 闽0802
    court_upper: Any  # 闽08
    station: Any
    institutions: list[Any]
    admin: Any
    clerk: Any


def create_world() -> World:
    """Organisations and the two users through the ORM: a dozen rows, with every default and constraint."""
    from xietong.accounts.choices import CourtLevel, OrganisationKind, Role
    from xietong.accounts.models import Organisation, User
    from xietong.core.idgen import fake_uscc

    rng = random.Random(SEED)
    upper = Organisation.objects.create(
        kind=OrganisationKind.COURT,
        name="福建省龙岩市中级人民法院",
        short_name="龙岩中院",
        court_code="闽08",
        court_level=CourtLevel.INTERMEDIATE,
    )
    main = Organisation.objects.create(
        kind=OrganisationKind.COURT,
        name="龙岩市新罗区人民法院",
        short_name="新罗法院",
        court_code="闽0802",
        court_level=CourtLevel.BASIC,
        parent=upper,
    )
    station = Organisation.objects.create(kind=OrganisationKind.STATION, name="小池镇惠农e站")
    institutions = [
        Organisation.objects.create(kind=OrganisationKind.INSTITUTION, name=name, uscc=fake_uscc(rng))
        for name, _share in INSTITUTIONS
    ]
    admin = User.objects.create(
        username="bench-admin", role=Role.CENTER_ADMIN, organisation=upper, full_name="基准中心管理员"
    )
    clerk = User.objects.create(username="bench-clerk", role=Role.CLERK, organisation=main, full_name="基准书记员")
    for user in (admin, clerk):
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return World(main, upper, station, institutions, admin, clerk)


def _cumulative(pairs: Sequence[tuple[Any, int]]) -> tuple[list[Any], list[int]]:
    values, cum, total = [], [], 0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cum.append(total)
    return values, cum


@dataclass
class Batch:
    persons: list[tuple[Any, ...]] = field(default_factory=list)
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    parties: list[tuple[Any, ...]] = field(default_factory=list)
    numbers: list[tuple[Any, ...]] = field(default_factory=list)


PERSON_COLS = ("id", "name", "id_number", "birth_date", "sex", "phone", "email", "created_at")
CASE_COLS = (
    "id", "number", "state", "court_id", "institution_id", "product", "channel", "track", "door", "station_id",
    "principal", "interest", "penalty", "total", "facts", "claims", "submitted_at", "closed_at", "updated_at",
)  # fmt: skip
PARTY_COLS = ("id", "case_id", "role", "person_id", "organisation_id")
NUMBER_COLS = ("id", "case_id", "kind", "court_id", "year", "seq", "text", "assigned_at")
TABLES = (
    ("parties_person", PERSON_COLS, "persons"),
    ("cases_case", CASE_COLS, "cases"),
    ("cases_caseparty", PARTY_COLS, "parties"),
    ("cases_casenumber", NUMBER_COLS, "numbers"),
)


def other_columns(attr: str) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """NOT NULL columns the generator does not set (new fields, say), with the model's default as stored.

    Keeps the raw inserts valid when a field is added to a model: it gets its default, as the ORM would give.
    """
    from django.db import connection, models

    from xietong.cases.models import Case, CaseNumber, CaseParty
    from xietong.parties.models import Person

    model = {"persons": Person, "cases": Case, "parties": CaseParty, "numbers": CaseNumber}[attr]
    known = set({a: c for _t, c, a in TABLES}[attr])
    cols, values = [], []
    for f in model._meta.concrete_fields:
        if f.column in known or f.primary_key or f.null:
            continue
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
            value: Any = _ts(NOW)
        elif not f.has_default():
            raise RuntimeError(f"bench.lookup cannot fill {model.__name__}.{f.name}: NOT NULL without a default")
        elif isinstance(f, models.JSONField):
            value = json.dumps(f.get_default())
        elif isinstance(f, models.DateTimeField):
            value = _ts(f.get_default())
        else:
            value = f.get_db_prep_save(f.get_default(), connection)
            if isinstance(value, bool):
                value = int(value) if connection.vendor == "sqlite" else ("t" if value else "f")
        cols.append(f.column)
        values.append(value)
    return tuple(cols), tuple(values)


def _ts(value: dt.datetime) -> str:
    """A UTC timestamp as Django's SQLite backend stores it (naive UTC, str()); PostgreSQL gets '+00' added."""
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _amounts(rng: random.Random) -> tuple[str, str, str, str]:
    """Principal, interest, penalty and total in yuan with cents, where total = the sum.

    SQLite keeps these NUMERIC columns as IEEE doubles and checks `case_total_is_sum` in floating point,
    which rejects about a third of random cent amounts (0.10 + 0.20 != 0.30); such draws are redrawn.
    """
    while True:
        principal = rng.randrange(100_000, 30_000_000)  # 1,000 to 300,000 yuan, in cents
        interest = principal * rng.randrange(0, 2_000) // 10_000
        penalty = principal * rng.randrange(0, 500) // 10_000
        total = principal + interest + penalty
        p, i, pen, t = (f"{c // 100}.{c % 100:02d}" for c in (principal, interest, penalty, total))
        if float(p) + float(i) + float(pen) == float(t):
            return p, i, pen, t


def generate(n_cases: int, world: World, seqs: dict[tuple[int, str, int], int]) -> Iterator[Batch]:
    """Batches of rows for n cases: person n, case n, parties 2n-1/2n, numbers; deterministic for a seed.

    `seqs` receives the last sequence number issued per (court, kind, year), for CaseSequence.
    """
    from xietong.core.idgen import fake_mobile, id_number_from

    rng = random.Random(SEED)
    states, state_cum = _cumulative([(s, w) for s, w, _k in STATES])
    later_kind = {s: k for s, _w, k in STATES}
    products, product_cum = _cumulative(PRODUCTS)
    doors, door_cum = _cumulative(DOORS)
    channels, channel_cum = _cumulative(CHANNELS)
    insts, inst_cum = _cumulative(
        [(o.pk, share) for o, (_n, share) in zip(world.institutions, INSTITUTIONS, strict=True)]
    )
    inst_names = {o.pk: o.short_name or o.name for o in world.institutions}
    courts = {world.court_main.pk: world.court_main.court_code, world.court_upper.pk: world.court_upper.court_code}
    span = (NOW - START).total_seconds()
    number_id = 0
    batch = Batch()
    for n in range(1, n_cases + 1):
        # Person n.
        idn = id_number_from(n)
        birth = f"{idn[6:10]}-{idn[10:12]}-{idn[12:14]}"
        sex = "M" if int(idn[16]) % 2 else "F"
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        phone = fake_mobile(rng) if rng.random() < 0.9 else ""
        submitted = START + dt.timedelta(seconds=span * (n - 0.5) / n_cases + rng.uniform(-1800, 1800))
        submitted = min(submitted, NOW)
        sub_s = _ts(submitted)
        batch.persons.append((n, name, idn, birth, sex, phone, "", sub_s))

        # Case n.
        court = world.court_main.pk if rng.random() < MAIN_COURT_SHARE else world.court_upper.pk
        state = rng.choices(states, cum_weights=state_cum)[0]
        product = rng.choices(products, cum_weights=product_cum)[0]
        door = rng.choices(doors, cum_weights=door_cum)[0]
        inst = rng.choices(insts, cum_weights=inst_cum)[0]
        triaged = state != "submitted"
        channel = rng.choices(channels, cum_weights=channel_cum)[0] if triaged else ""
        track = rng.choice(("fast", "fast", "normal")) if triaged else ""
        closed = None
        if state in ENDED:
            closed = min(submitted + dt.timedelta(days=rng.uniform(5, 90)), NOW)
        updated = closed or min(submitted + dt.timedelta(days=rng.uniform(0, 30)), NOW)
        p, i, pen, t = _amounts(rng)
        facts = f"{name}向{inst_names[inst]}借款本金{p}元，逾期未还，尚欠本息及罚息合计{t}元。"
        claims = f"请求调解：{name}偿还{t}元。"

        year = submitted.astimezone(CST).year
        numbers = []
        for kind, at in (("民诉前调", submitted), (later_kind[state], updated)):
            if not kind:
                continue
            key = (court, kind, year)
            seqs[key] = seq = seqs.get(key, 0) + 1
            text = f"（{year}）{courts[court]}{kind}{seq}号"
            number_id += 1
            numbers.append((number_id, n, kind, court, year, seq, text, _ts(at)))
        current = numbers[-1][6]  # the case shows its latest number; earlier ones stay in CaseNumber
        station = world.station.pk if door == "station" else None
        batch.cases.append(
            (n, current, state, court, inst, product, channel, track, door, station, p, i, pen, t, facts, claims,
             sub_s, _ts(closed) if closed else None, _ts(updated))
        )  # fmt: skip
        batch.parties.append((2 * n - 1, n, "respondent", n, None))
        batch.parties.append((2 * n, n, "applicant", None, inst))
        batch.numbers.extend(numbers)
        if n % BATCH == 0 or n == n_cases:
            yield batch
            batch = Batch()


def _copy_line(row: tuple[Any, ...]) -> str:
    """One line of PostgreSQL COPY text format; the data holds no tab, newline or backslash."""
    return "\t".join("\\N" if v is None else str(v) for v in row) + "\n"


def load(n_cases: int, world: World, vendor: str) -> dict[str, int]:
    """Bulk-load the synthetic rows with the driver's fastest path, then sequences, statistics and a check."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from xietong.cases.models import Case, CaseNumber, CaseParty, CaseSequence
    from xietong.parties.models import Person

    counts = dict.fromkeys(("persons", "cases", "parties", "numbers"), 0)
    seqs: dict[tuple[int, str, int], int] = {}
    ts_cols = {"created_at", "submitted_at", "closed_at", "updated_at", "assigned_at"}
    others = {attr: other_columns(attr) for _table, _cols, attr in TABLES}
    for attr, (more_cols, more) in others.items():
        if more_cols:
            print(
                f"  {attr}: other NOT NULL columns filled with their defaults: {dict(zip(more_cols, more, strict=True))}"
            )

    if vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        raw.execute("PRAGMA journal_mode=OFF")  # loading only; restored below
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-262144")
        raw.execute("BEGIN")
        try:
            for batch in generate(n_cases, world, seqs):
                for table, cols, attr in TABLES:
                    rows = getattr(batch, attr)
                    more_cols, more = others[attr]
                    if more:
                        rows = [row + more for row in rows]
                    names = (*cols, *more_cols)
                    marks = ", ".join("?" * len(names))
                    raw.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)
                    counts[attr] += len(rows)
                progress(counts["cases"], n_cases)
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA cache_size=-2000")
    else:
        with transaction.atomic():
            raw = connection.connection
            with raw.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit = off")
                for batch in generate(n_cases, world, seqs):
                    for table, cols, attr in TABLES:
                        rows = getattr(batch, attr)
                        more_cols, more = others[attr]
                        names = (*cols, *more_cols)
                        ts_at = [k for k, c in enumerate(names) if c in ts_cols]
                        with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                            for row in rows:
                                values = row + more
                                if ts_at:
                                    values = tuple(
                                        f"{v}+00" if k in ts_at and v is not None else v for k, v in enumerate(values)
                                    )
                                copy.write(_copy_line(values))
                        counts[attr] += len(rows)
                    progress(counts["cases"], n_cases)
            with connection.cursor() as cur:
                for stmt in connection.ops.sequence_reset_sql(no_style(), [Person, Case, CaseParty, CaseNumber]):
                    cur.execute(stmt)
    CaseSequence.objects.bulk_create(
        CaseSequence(court_id=court, kind=kind, year=year, last=last) for (court, kind, year), last in seqs.items()
    )
    analyze(vendor)
    connection.close()  # the benchmark starts from a connection with the project's own settings
    return counts


def analyze(vendor: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        if vendor == "sqlite":
            cur.execute("ANALYZE")
        else:
            # VACUUM sets the visibility map (index-only scans) and keeps autovacuum from starting mid-benchmark.
            for table in ("parties_person", "cases_case", "cases_caseparty", "cases_casenumber", "accounts_user"):
                cur.execute(f"VACUUM (ANALYZE) {table}")
            cur.execute("ANALYZE")


def progress(done: int, total: int) -> None:
    if sys.stdout.isatty():
        print(f"\r  loaded {done:,}/{total:,} cases", end="" if done < total else "\n", flush=True)
    elif done == total or done % (BATCH * 10) == 0:
        print(f"  loaded {done:,}/{total:,} cases", flush=True)


def sanity_check(world: World, n_cases: int) -> None:
    """Some loaded rows must pass the models' own validation: choices, ID checksums, constraints, uniqueness."""
    from xietong.cases.models import Case, CaseNumber, CaseParty
    from xietong.parties.models import Person

    rng = random.Random(SEED + 1)
    sample = sorted({1, n_cases, *(rng.randrange(1, n_cases + 1) for _ in range(8))})
    for n in sample:
        case = Case.objects.get(pk=n)
        case.full_clean()
        Person.objects.get(pk=n).full_clean()
        for party in CaseParty.objects.filter(case=case):
            party.full_clean()
        for number in CaseNumber.objects.filter(case=case):
            number.full_clean()
        assert case.numbers.filter(text=case.number).exists(), case.number
    assert Case.objects.count() == n_cases


# ---------------------------------------------------------------------------------------------------------------
# Timing.


class DbTimer:
    """An execute_wrapper that adds up the time spent in the driver: execute, and fetching the rows.

    `exec_s` is cursor execution only. `db_s` adds the fetch calls on the same cursor: psycopg has the whole
    result by the end of execute, but SQLite computes rows while they are fetched.
    """

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.reset()

    def reset(self) -> None:
        self.exec_s = 0.0
        self.fetch_s = 0.0
        self.queries = 0
        self.statements = []

    @property
    def db_s(self) -> float:
        return self.exec_s + self.fetch_s

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        cursor = context["cursor"]
        self._time_fetches(cursor)
        self.queries += 1
        self.statements.append((sql, params))
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.exec_s += time.perf_counter() - t0

    def _time_fetches(self, cursor: Any) -> None:
        if "_bench_timed" in vars(cursor):
            return
        cursor._bench_timed = True
        for name in ("fetchone", "fetchmany", "fetchall"):
            original = getattr(cursor, name)

            def timed(*args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.fetch_s += time.perf_counter() - t0

            setattr(cursor, name, timed)


@dataclass
class Query:
    key: str
    label: str
    kind: str  # "lookup" or "list"
    run: Callable[[Any], Any]  # takes one argument, returns something to check
    args: list[Any]
    check: Callable[[Any, Any], bool]
    warmup: list[Any]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ms(values: Sequence[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values) * 1000, 4),
        "p99": round(percentile(values, 0.99) * 1000, 4),
        "mean": round(statistics.fmean(values) * 1000, 4),
        "max": round(max(values) * 1000, 4),
    }


def measure(query: Query, *, budget: float, min_reps: int = 20) -> dict[str, Any]:
    from django.db import connection

    for arg in query.warmup:
        query.run(arg)
    timer = DbTimer()
    db, exe, total, nqueries = [], [], [], []
    gc.collect()
    started = time.perf_counter()
    with connection.execute_wrapper(timer):
        for arg in query.args:
            timer.reset()
            t0 = time.perf_counter()
            result = query.run(arg)
            elapsed = time.perf_counter() - t0
            if not query.check(arg, result):
                raise AssertionError(f"{query.key}: wrong result for {arg!r}: {result!r}")
            db.append(timer.db_s)
            exe.append(timer.exec_s)
            total.append(elapsed)
            nqueries.append(timer.queries)
            if len(total) >= min_reps and time.perf_counter() - started > budget:
                break
    statements = list(timer.statements)  # those of the last repetition
    plans = explain(statements)
    goal = LOOKUP_GOAL_DB_MS if query.kind == "lookup" else LIST_GOAL_MS
    figure = ms(db if query.kind == "lookup" else total)
    status = "ok" if figure["p99"] <= goal else ("p99 over" if figure["median"] <= goal else "MISS")
    return {
        "key": query.key,
        "label": query.label,
        "kind": query.kind,
        "reps": len(total),
        "queries_per_call": max(set(nqueries), key=nqueries.count),
        "db_ms": ms(db),
        "db_execute_only_ms": ms(exe),
        "total_ms": ms(total),
        "goal": {"ms": goal, "on": "db p99" if query.kind == "lookup" else "total p99", "status": status},
        "server_ms": server_times(plans),
        "plans": plans,
    }


def server_times(plans: list[dict[str, Any]]) -> dict[str, float] | None:
    """PostgreSQL only: planning and execution time the server reports (EXPLAIN ANALYZE, all statements)."""
    if not any("execution_ms" in p for p in plans):
        return None
    return {
        "planning": round(sum(p.get("planning_ms", 0.0) for p in plans), 3),
        "execution": round(sum(p.get("execution_ms", 0.0) for p in plans), 3),
    }


def explain(statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    from django.db import connection

    plans = []
    with connection.cursor() as cur:
        for sql, params in statements:
            if connection.vendor == "sqlite":
                cur.execute("EXPLAIN QUERY PLAN " + sql, params)
                rows = cur.fetchall()
                depth: dict[int, int] = {0: -1}
                lines = []
                for node, parent, _unused, detail in rows:
                    depth[node] = depth.get(parent, -1) + 1
                    lines.append("  " * depth[node] + detail)
            else:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                lines = [row[0] for row in cur.fetchall()]
            plan: dict[str, Any] = {"sql": sql, "params": [str(p) for p in (params or ())], "plan": lines}
            for line in lines:  # PostgreSQL's own planning and execution time for this statement
                for label in ("Planning Time", "Execution Time"):
                    if line.strip().startswith(label + ":"):
                        plan[label.lower().replace(" time", "_ms")] = float(line.split(":")[1].split()[0])
            plans.append(plan)
    return plans


@dataclass
class Sample:
    """Random cases to look up, drawn once (not timed): all of them, the clerk's court, and their numbers."""

    everyone: list[int]
    mine: list[int]  # cases of 闽0802
    mine_former: list[int]  # cases of 闽0802 whose 诉前调 number is no longer the current one
    current: dict[int, str]  # case -> Case.number
    former: dict[int, str]  # case -> its former 诉前调 number


def draw_sample(world: World, n_cases: int, reps: int) -> Sample:
    from django.db.models import F

    from xietong.cases.models import Case, CaseNumber

    rng = random.Random(SEED + 2)
    pool = rng.sample(range(1, n_cases + 1), min(n_cases, 20 * (reps + 20)))
    info = dict(Case.objects.filter(pk__in=pool).values_list("pk", "court_id"))
    current = dict(Case.objects.filter(pk__in=pool).values_list("pk", "number"))
    former = dict(
        CaseNumber.objects.filter(case_id__in=pool, kind="民诉前调")
        .exclude(case__number=F("text"))
        .values_list("case_id", "text")
    )
    everyone = [pk for pk in pool if pk in info]
    mine = [pk for pk in everyone if info[pk] == world.court_main.pk]
    return Sample(everyone, mine, [pk for pk in mine if pk in former], current, former)


WARMUP = 10


def split(pks: list[int], reps: int) -> tuple[list[int], list[int]]:
    """Timed arguments and warm-up arguments (different cases), repeating a short list if need be."""
    need = WARMUP + reps
    if len(pks) < need:
        pks = (pks * (need // max(1, len(pks)) + 1))[:need]
    return pks[WARMUP:need], pks[:WARMUP]


def found(n: int, result: Any) -> bool:
    """The looked-up case is case n (case_by_number) or among the results (case_list)."""
    return any(c.pk == n for c in result) if isinstance(result, list) else getattr(result, "pk", None) == n


def party_users(sample: Sample, reps: int) -> dict[int, Any]:
    """Party accounts for the persons of some sampled cases (case n's respondent is person n), via the ORM."""
    from xietong.accounts.choices import Role
    from xietong.accounts.models import User
    from xietong.parties.models import Person

    pks = split(sample.everyone, reps)[1] + split(sample.everyone, reps)[0]
    users = {}
    for n in dict.fromkeys(pks):
        user = User.objects.create(username=f"bench-party-{n}", role=Role.PARTY)
        Person.objects.filter(pk=n).update(user=user)
        users[n] = user
    return users


def build_queries(world: World, sample: Sample, n_cases: int, reps: int) -> list[Query]:
    from xietong.cases.selectors import CaseFilters, case_by_number, case_list
    from xietong.core.idgen import id_number_from

    admin, clerk = world.admin, world.clerk
    parties = party_users(sample, reps)

    def by_id(actor: Any) -> Callable[[int], list[Any]]:
        return lambda n: list(case_list(actor=actor, filters=CaseFilters(q=id_number_from(n))))

    def by_number(actor: Any, numbers: dict[int, str]) -> Callable[[int], Any]:
        return lambda n: case_by_number(actor=actor, number=numbers[n])

    def search(actor: Any, numbers: dict[int, str]) -> Callable[[int], list[Any]]:
        return lambda n: list(case_list(actor=actor, filters=CaseFilters(q=numbers[n])))

    def my_cases(n: int) -> list[Any]:
        user = parties[n]
        vars(user).pop("_person_id_cache", None)  # a new request: restrict_cases looks the person up again
        return list(case_list(actor=user, filters=CaseFilters())[:25])

    def page(filters: Any) -> Callable[[Any], list[Any]]:
        return lambda _i: list(case_list(actor=clerk, filters=filters)[:25])

    def full_page(_i: Any, result: list[Any]) -> bool:
        return len(result) == 25 or (len(result) > 0 and n_cases < 10_000)

    queries = []
    for key, label, run, pks in (
        ("id_admin", "(a) ID number · center admin", by_id(admin), sample.everyone),
        ("id_clerk", "(a) ID number · clerk 闽0802", by_id(clerk), sample.mine),
        ("number_admin", "(b) case number · center admin", by_number(admin, sample.current), sample.everyone),
        ("number_clerk", "(b) case number · clerk 闽0802", by_number(clerk, sample.current), sample.mine),
        (
            "former_number_clerk",
            "(b) former 诉前调 number · clerk",
            by_number(clerk, sample.former),
            sample.mine_former,
        ),
        ("search_number_clerk", "(d) search box: case number · clerk", search(clerk, sample.current), sample.mine),
    ):
        args, warmup = split(pks, reps)
        queries.append(Query(key, label, "lookup", run, args, found, warmup))
    for key, label, filters in (
        ("list_clerk", "(c) list page 1 · clerk 闽0802", CaseFilters()),
        ("list_state_clerk", "(c) list page 1 · state=mediating", CaseFilters(state="mediating")),
        ("list_rare_state_clerk", "(c) list page 1 · state=rejected", CaseFilters(state="rejected")),
    ):
        queries.append(Query(key, label, "list", page(filters), list(range(reps)), full_page, list(range(3))))
    args, warmup = split(sample.everyone, reps)
    queries.append(Query("party_cases", "(e) party: my cases page 1", "list", my_cases, args, found, warmup))
    return queries


# ---------------------------------------------------------------------------------------------------------------
# Prototypes: NOT the project's configuration. Opt-in with --prototype, after the real figures.


def prototypes(queries: list[Query], budget: float) -> list[dict[str, Any]]:
    """PostgreSQL: the same selectors on a connection with prepared statements.

    Server-side binding plus psycopg's automatic prepared statements (DATABASES OPTIONS) let PostgreSQL
    reuse plans instead of planning every statement again. SQLite has nothing to prototype today.
    """
    from django.db import connection

    out: list[dict[str, Any]] = []
    if connection.vendor != "postgresql":
        print("  (none for SQLite)")
        return out
    with connection_options(server_side_binding=True, prepare_threshold=5):
        for query in queries:
            prepared = replace(query, key=query.key + "_prepared", label="[prep] " + query.label)
            out.append(measure(prepared, budget=budget))
            print(f"  {prepared.label}: {out[-1]['reps']} reps", flush=True)
    return out


@contextmanager
def connection_options(**options: Any) -> Iterator[None]:
    """PROTOTYPE: reconnect with extra DATABASES OPTIONS, then restore the project's own."""
    from django.db import connection

    saved = dict(connection.settings_dict.get("OPTIONS") or {})
    connection.close()
    connection.settings_dict["OPTIONS"] = {**saved, **options}
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["OPTIONS"] = saved


# ---------------------------------------------------------------------------------------------------------------
# Report.


def versions(vendor: str) -> dict[str, str]:
    import django
    from django.db import connection

    with connection.cursor() as cur:
        if vendor == "sqlite":
            cur.execute("SELECT sqlite_version()")
            db = f"SQLite {cur.fetchone()[0]}"
        else:
            cur.execute("SELECT version()")
            db = cur.fetchone()[0].split(" on ")[0]
    return {
        "database": db,
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": str(os.cpu_count()),
    }


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal: CJK characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def table(results: list[dict[str, Any]]) -> str:
    head = f"{'query':<50} {'reps':>5} {'q':>2} {'db med':>9} {'db p99':>9} {'total med':>10} {'total p99':>10}  goal"
    lines = [head, "-" * len(head)]
    for r in results:
        g = r["goal"]
        lines.append(
            f"{_pad(r['label'], 50)} {r['reps']:>5} {r['queries_per_call']:>2} {r['db_ms']['median']:>9.3f} "
            f"{r['db_ms']['p99']:>9.3f} {r['total_ms']['median']:>10.3f} {r['total_ms']['p99']:>10.3f}  "
            f"{g['status']} ({g['on']} ≤ {g['ms']:g} ms)"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    vendor = prepare_environment()

    import django

    django.setup()
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_s = time.perf_counter() - t0
    print(f"{vendor}: migrated in {migrate_s:.1f} s; generating {args.cases:,} cases")

    t0 = time.perf_counter()
    world = create_world()
    counts = load(args.cases, world, vendor)
    generation_s = time.perf_counter() - t0
    print(f"generated and loaded {sum(counts.values()):,} rows in {generation_s:.1f} s {counts}")
    sanity_check(world, args.cases)

    sample = draw_sample(world, args.cases, args.reps)
    queries = build_queries(world, sample, args.cases, args.reps)
    results = []
    for query in queries:
        results.append(measure(query, budget=args.budget))
        print(f"  {query.label}: {results[-1]['reps']} reps", flush=True)
    report = {
        "benchmark": "lookup",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "vendor": vendor,
        "cases": args.cases,
        "smoke": args.smoke,
        "rows": counts,
        "generation_s": round(generation_s, 1),
        "migrate_s": round(migrate_s, 1),
        "versions": versions(vendor),
        "goals": {
            "lookup": f"database time p99 ≤ {LOOKUP_GOAL_DB_MS:g} ms",
            "list": f"total time p99 ≤ {LIST_GOAL_MS:g} ms",
        },
        "notes": (
            "db_ms = time in the driver (execute + fetch); db_execute_only_ms = execute only; total_ms = the whole "
            "selector call, Python included. server_ms (PostgreSQL) = planning and execution reported by a separate "
            "EXPLAIN ANALYZE of the last repetition's statements, always freshly planned."
        ),
        "results": results,
    }
    print()
    print(f"{vendor}, {args.cases:,} cases — times in ms (q = SQL statements per call)")
    print(table(results))
    missed = [r for r in results if r["goal"]["status"] != "ok"]
    for r in missed:
        print(f"\n{r['label']}: {r['goal']['status']} — plan of the last repetition:")
        for plan in r["plans"]:
            print("  " + plan["sql"][:300] + (" …" if len(plan["sql"]) > 300 else ""))
            for line in plan["plan"]:
                print("    " + line)

    if args.prototype:
        print("\nPROTOTYPE: prepared statements, NOT the project's database settings")
        proto = prototypes(queries, args.budget)
        if proto:
            report["prototype"] = {
                "note": "NOT the project's settings: OPTIONS server_side_binding=True, prepare_threshold=5",
                "results": proto,
            }
            print(table(proto))

    out = args.output or RESULTS_DIR / f"lookup-{vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
