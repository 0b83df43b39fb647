"""Ten million cases: do the lookups, the lists and the dashboard keep their speed? (PostgreSQL only)

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xietong_bench python -m bench.scale [--cases N] [--reps R]
        [--budget S] [--chunk C] [--reuse] [--output PATH]

Loads N synthetic cases (default 10,000,000) with the generator of bench.lookup (same seed, same shapes:
a person, a case, two parties and one or two numbers per case) by COPY, committed in chunks, into its own
database (emptied first; its name must contain "bench"). Foreign keys are not checked while loading
(`session_replication_role = replica`, as pg_restore --disable-triggers does; the rows are consistent by
construction and a sample is validated by the models afterwards). Then VACUUM ANALYZE, and the queries of
bench.lookup (ID and case-number lookups, the staff list's first pages, a party's cases) plus the dashboard's
aggregate queries, and the size of every table and index. Results: bench/results/scale-<N>.json.
See bench/README.md and docs/scaling.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import lookup

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=10_000_000)
    p.add_argument("--reps", type=int, default=100, help="timed repetitions per query (default 100)")
    p.add_argument("--budget", type=float, default=60.0, help="seconds per query before stopping early (default 60)")
    p.add_argument("--chunk", type=int, default=500_000, help="cases per committed chunk (default 500,000)")
    p.add_argument("--reuse", action="store_true", help="measure a database loaded by an earlier run")
    p.add_argument("--analyze", action="store_true", help="with --reuse: VACUUM ANALYZE first (an interrupted load)")
    p.add_argument(
        "--grow-from",
        type=int,
        default=None,
        help="a database loaded with this many cases by an earlier run is grown to --cases by copies in SQL",
    )
    p.add_argument("--output", type=Path, default=None)
    return p.parse_args(argv)


def load_chunked(n_cases: int, world: lookup.World, chunk: int) -> dict[str, int]:
    """COPY every generated batch; commit every `chunk` cases; foreign keys unchecked while loading."""
    from django.core.management.color import no_style
    from django.db import connection

    from xietong.cases.models import Case, CaseNumber, CaseParty, CaseSequence
    from xietong.parties.models import Person

    counts = dict.fromkeys(("persons", "cases", "parties", "numbers"), 0)
    seqs: dict[tuple[int, str, int], int] = {}
    ts_cols = {"created_at", "submitted_at", "closed_at", "updated_at", "assigned_at"}
    others = {attr: lookup.other_columns(attr) for _t, _c, attr in lookup.TABLES}
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = False
    started = time.perf_counter()
    with raw.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET synchronous_commit = off")
        for batch in lookup.generate(n_cases, world, seqs):
            for table, cols, attr in lookup.TABLES:
                more_cols, more = others[attr]
                names = (*cols, *more_cols)
                ts_at = {k for k, c in enumerate(names) if c in ts_cols}
                with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in getattr(batch, attr):
                        values = row + more
                        if ts_at:
                            values = tuple(
                                f"{v}+00" if k in ts_at and v is not None else v for k, v in enumerate(values)
                            )
                        copy.write(lookup._copy_line(values))
                counts[attr] += len(getattr(batch, attr))
            if counts["cases"] % chunk == 0 or counts["cases"] == n_cases:
                raw.commit()
                rate = counts["cases"] / (time.perf_counter() - started)
                print(
                    f"  {counts['cases']:,}/{n_cases:,} cases committed, {rate:,.0f} cases/s, "
                    f"load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        cur.execute("SET session_replication_role = origin")
    raw.commit()
    raw.autocommit = True
    with connection.cursor() as cur:
        for stmt in connection.ops.sequence_reset_sql(no_style(), [Person, Case, CaseParty, CaseNumber]):
            cur.execute(stmt)
    CaseSequence.objects.bulk_create(
        CaseSequence(court_id=court, kind=kind, year=year, last=last) for (court, kind, year), last in seqs.items()
    )
    return counts


ID_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.bench_idn(m bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
  SELECT f || substr('10X98765432', (
      substr(f, 1, 1)::int * 7 + substr(f, 2, 1)::int * 9 + substr(f, 3, 1)::int * 10 + substr(f, 4, 1)::int * 5
    + substr(f, 5, 1)::int * 8 + substr(f, 6, 1)::int * 4 + substr(f, 7, 1)::int * 2 + substr(f, 8, 1)::int * 1
    + substr(f, 9, 1)::int * 6 + substr(f, 10, 1)::int * 3 + substr(f, 11, 1)::int * 7 + substr(f, 12, 1)::int * 9
    + substr(f, 13, 1)::int * 10 + substr(f, 14, 1)::int * 5 + substr(f, 15, 1)::int * 8 + substr(f, 16, 1)::int * 4
    + substr(f, 17, 1)::int * 2) % 11 + 1, 1)
  FROM (SELECT lpad((350802 + (m / 1000) / 20000)::text, 6, '0')
               || to_char(date '1950-01-01' + ((m / 1000) % 20000)::int, 'YYYYMMDD')
               || lpad((m % 1000)::text, 3, '0') AS f) AS p
$f$
"""


def _columns(cur: Any, table: str) -> list[str]:
    cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position", [table]
    )
    return [r[0] for r in cur.fetchall()]


def _select(columns: list[str], override: dict[str, str], alias: str) -> str:
    return ", ".join(override.get(c, f"{alias}.{c}") for c in columns)


def grow(base: int, target: int) -> dict[str, int]:
    """Copy the `base` generated cases (with persons, parties and numbers) until there are `target`, in SQL.

    Copy k of case n is case n + k*base: its person gets the valid ID number of person n + k*base (GB
    11643, as `id_number_from` makes it, computed by the server), its numbers the same court, kind and
    year with the sequence moved past every earlier copy's, so every number stays unique; everything
    else is the original's. Each copy is one committed INSERT … SELECT per table, with foreign-key
    checks off (the ids are consistent by construction; a sample is validated by the models after).
    """
    from django.db import connection

    if target % base:
        raise SystemExit("--cases must be a multiple of --base")
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = False
    started = time.perf_counter()
    with raw.cursor() as cur:
        cur.execute(ID_FUNCTION)
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET synchronous_commit = off")
        # The base's rows only: a database whose growth was interrupted resumes at its next copy.
        cur.execute("SELECT max(id) FROM cases_casenumber WHERE case_id <= %s", [base])
        numbers = int(cur.fetchone()[0])
        cur.execute("SELECT max(id) FROM cases_caseparty WHERE case_id <= %s", [base])
        parties = int(cur.fetchone()[0])
        cur.execute("SELECT count(*) FROM cases_case")
        have = int(cur.fetchone()[0])
        if have % base:
            raise SystemExit(f"{have:,} cases is not a whole number of copies of {base:,}")
        cur.execute(
            "CREATE TEMP TABLE bench_seq AS SELECT n.court_id, n.kind, n.year, max(n.seq) AS s, o.court_code "
            "FROM cases_casenumber n JOIN accounts_organisation o ON o.id = n.court_id "
            f"WHERE n.id <= {numbers} GROUP BY n.court_id, n.kind, n.year, o.court_code"
        )
        person_cols = _columns(cur, "parties_person")
        case_cols = _columns(cur, "cases_case")
        number_cols = _columns(cur, "cases_casenumber")
        party_cols = _columns(cur, "cases_caseparty")
        raw.commit()
        for k in range(have // base, target // base):
            off = k * base
            m = f"(p.id + {off})"
            cur.execute(
                f"INSERT INTO parties_person ({', '.join(person_cols)}) SELECT "
                + _select(
                    person_cols,
                    {
                        "id": m,
                        "id_number": f"pg_temp.bench_idn({m})",
                        "birth_date": f"date '1950-01-01' + (({m} / 1000) % 20000)::int",
                        "sex": f"CASE WHEN {m} % 2 = 1 THEN 'M' ELSE 'F' END",
                        "user_id": "NULL",
                    },
                    "p",
                )
                + f" FROM parties_person p WHERE p.id <= {base}"
            )
            new_text = f"format('（%s）%s%s%s号', n.year, q.court_code, n.kind, n.seq + {k} * q.s)"
            cur.execute(
                f"INSERT INTO cases_case ({', '.join(case_cols)}) SELECT "
                + _select(case_cols, {"id": f"c.id + {off}", "number": new_text}, "c")
                + " FROM cases_case c JOIN cases_casenumber n ON n.text = c.number"
                + " JOIN bench_seq q ON q.court_id = n.court_id AND q.kind = n.kind AND q.year = n.year"
                + f" WHERE c.id <= {base}"
            )
            cur.execute(
                f"INSERT INTO cases_casenumber ({', '.join(number_cols)}) SELECT "
                + _select(
                    number_cols,
                    {
                        "id": f"n.id + {k * numbers}",
                        "case_id": f"n.case_id + {off}",
                        "seq": f"n.seq + {k} * q.s",
                        "text": new_text,
                    },
                    "n",
                )
                + " FROM cases_casenumber n"
                + " JOIN bench_seq q ON q.court_id = n.court_id AND q.kind = n.kind AND q.year = n.year"
                + f" WHERE n.id <= {numbers}"
            )
            cur.execute(
                f"INSERT INTO cases_caseparty ({', '.join(party_cols)}) SELECT "
                + _select(
                    party_cols,
                    {
                        "id": f"x.id + {k * parties}",
                        "case_id": f"x.case_id + {off}",
                        "person_id": f"x.person_id + {off}",
                        "agent_id": f"x.agent_id + {off}",
                        "authorisation_id": "NULL",
                    },
                    "x",
                )
                + f" FROM cases_caseparty x WHERE x.id <= {parties}"
            )
            raw.commit()
            done = off + base
            rate = (done - have) / (time.perf_counter() - started)
            print(f"  {done:,}/{target:,} cases, {rate:,.0f} cases/s copied, load {os.getloadavg()[0]:.1f}", flush=True)
        cur.execute("SET session_replication_role = origin")
        cur.execute(
            "UPDATE cases_casesequence c SET last = q.s * %s FROM bench_seq q "
            "WHERE q.court_id = c.court_id AND q.kind = c.kind AND q.year = c.year",
            [target // base],
        )
        raw.commit()
    raw.autocommit = True
    from django.core.management.color import no_style

    from xietong.cases.models import Case, CaseNumber, CaseParty
    from xietong.parties.models import Person

    with connection.cursor() as c2:
        for stmt in connection.ops.sequence_reset_sql(no_style(), [Person, Case, CaseParty, CaseNumber]):
            c2.execute(stmt)
    return {
        "cases": target,
        "persons": target,
        "parties": parties * (target // base),
        "numbers": numbers * (target // base),
    }


def existing_world() -> lookup.World:
    from xietong.accounts.models import Organisation, User

    institutions = [Organisation.objects.get(name=name) for name, _share in lookup.INSTITUTIONS]
    return lookup.World(
        Organisation.objects.get(court_code="闽0802"),
        Organisation.objects.get(court_code="闽08"),
        Organisation.objects.get(name="小池镇惠农e站"),
        institutions,
        User.objects.get(username="bench-admin"),
        User.objects.get(username="bench-clerk"),
    )


def sizes() -> dict[str, Any]:
    """Every table of the platform with its rows (estimate), heap, indexes and TOAST; every index with its size."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.relname, c.reltuples::bigint, pg_relation_size(c.oid), pg_indexes_size(c.oid),
                   pg_total_relation_size(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r'
            ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 12
            """
        )
        tables = [
            {"table": t, "rows": rows, "heap_mb": heap / 2**20, "indexes_mb": idx / 2**20, "total_mb": total / 2**20}
            for t, rows, heap, idx, total in cur.fetchall()
        ]
        cur.execute(
            """
            SELECT i.relname, t.relname, pg_relation_size(i.oid), pg_get_indexdef(i.oid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname IN ('cases_case', 'cases_caseparty', 'cases_casenumber', 'parties_person')
            ORDER BY t.relname, pg_relation_size(i.oid) DESC
            """
        )
        indexes = [
            {"index": i, "table": t, "mb": round(size / 2**20, 1), "definition": d} for i, t, size, d in cur.fetchall()
        ]
        cur.execute("SELECT pg_database_size(current_database())")
        database = cur.fetchone()[0] / 2**30
    for t in tables:
        for k in ("heap_mb", "indexes_mb", "total_mb"):
            t[k] = round(t[k], 1)
    return {"database_gb": round(database, 2), "tables": tables, "indexes": indexes}


def dashboard_queries(world: lookup.World) -> list[lookup.Query]:
    """The figures regulators and the center see: counts and sums over every case (no personal data)."""
    from xietong.cases.selectors import case_aggregates

    queries = [
        lookup.Query(
            "dashboard_all", "(f) dashboard: all courts (case_aggregates)", "list",
            lambda _i: case_aggregates(), list(range(5)), lambda _i, r: bool(r), [0],
        ),
        lookup.Query(
            "dashboard_court", "(f) dashboard: one court (case_aggregates)", "list",
            lambda _i: case_aggregates(court_id=world.court_main.pk), list(range(5)), lambda _i, r: bool(r), [0],
        ),
    ]  # fmt: skip
    if importlib.util.find_spec("xietong.stats") is not None:
        print("  xietong.stats is installed: its dashboard queries are not wired into this benchmark yet")
    return queries


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit(
            "bench.scale runs on PostgreSQL: DATABASE_URL must name a database whose name contains 'bench'"
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings.dev")
    os.environ.setdefault("DEBUG", "0")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    if not args.reuse and not args.grow_from:
        lookup.reset_postgres_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    from xietong.accounts.models import User
    from xietong.cases.models import Case

    generation_s = None
    if args.grow_from:
        world = existing_world()
        User.objects.filter(username__startswith="bench-party-").delete()
        have = Case.objects.count()
        if have % args.grow_from or have >= args.cases:
            raise SystemExit(f"the database holds {have:,} cases: not copies of {args.grow_from:,} short of the target")
        t0 = time.perf_counter()
        counts = grow(args.grow_from, args.cases)
        print(f"grown to {args.cases:,} cases in {time.perf_counter() - t0:.0f} s; VACUUM ANALYZE", flush=True)
        lookup.analyze("postgresql")
        generation_s = time.perf_counter() - t0
        lookup.sanity_check(world, args.cases)
    elif args.reuse:
        world = existing_world()
        User.objects.filter(username__startswith="bench-party-").delete()
        counts = {"cases": Case.objects.count()}
        if counts["cases"] != args.cases:
            raise SystemExit(f"the database holds {counts['cases']:,} cases, not {args.cases:,}")
        if args.analyze:
            t0 = time.perf_counter()
            lookup.analyze("postgresql")
            print(f"VACUUM ANALYZE in {time.perf_counter() - t0:.0f} s", flush=True)
        lookup.sanity_check(world, args.cases)
    else:
        call_command("migrate", interactive=False, verbosity=0)
        free = os.statvfs("/").f_bavail * os.statvfs("/").f_frsize / 2**30
        print(f"migrated; {free:.0f} GB free; generating {args.cases:,} cases", flush=True)
        t0 = time.perf_counter()
        world = lookup.create_world()
        counts = load_chunked(args.cases, world, args.chunk)
        load_s = time.perf_counter() - t0
        print(f"loaded {sum(counts.values()):,} rows in {load_s:.0f} s; VACUUM ANALYZE", flush=True)
        lookup.analyze("postgresql")
        generation_s = time.perf_counter() - t0
        print(f"ready in {generation_s:.0f} s", flush=True)
        lookup.sanity_check(world, args.cases)
    from django.db import connection

    connection.close()
    size = sizes()
    print(f"database {size['database_gb']} GB")
    sample = lookup.draw_sample(world, args.cases, args.reps)
    queries = lookup.build_queries(world, sample, args.cases, args.reps) + dashboard_queries(world)
    results = []
    for query in queries:
        min_reps = 5 if query.key.startswith("dashboard") else 20
        results.append(lookup.measure(query, budget=args.budget, min_reps=min_reps))
        r = results[-1]
        print(
            f"  {query.label}: {r['reps']} reps, db median {r['db_ms']['median']:.3f} ms, "
            f"total median {r['total_ms']['median']:.3f} ms, load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    report = {
        "benchmark": "scale",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cases": args.cases,
        "rows": counts,
        "generation_s": round(generation_s, 1) if generation_s else None,
        "grown_from": args.grow_from,
        "machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg()},
        "versions": lookup.versions("postgresql"),
        "sizes": size,
        "stats_app": importlib.util.find_spec("xietong.stats") is not None,
        "results": results,
    }
    out = args.output or RESULTS_DIR / f"scale-{args.cases}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(lookup.table(results))
    for t in size["tables"][:6]:
        print(
            f"  {t['table']:<28} {t['rows']:>12,} rows  heap {t['heap_mb']:>9,.1f} MB  indexes {t['indexes_mb']:>9,.1f} MB"
        )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
