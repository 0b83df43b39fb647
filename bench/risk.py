"""Risk benchmark: seconds per daily detector run over the counts of 1,000,000 disputes in three years.

    python -m bench.risk [--disputes N] [--smoke] [--runs R] [--output PATH]

Uses its own database: bench/results/risk.sqlite3 (deleted first), or the PostgreSQL database named by
DATABASE_URL (created if missing, emptied if its name contains "bench"). The daily run reads the
`DailyCount` rollup, not the cases: the benchmark writes the daily counts that N disputes over three
years make (an institution's own deliveries under `collection`, complaints across institutions,
products, categories, districts, doors and a few hundred named respondents, with one injected surge),
then times the real `risk_detect` for the last day (reading every active stratum, the GLM baseline
for all of them since there are three years of history). The rollup of one day and the cluster query
read one day's and one month's cases through indexes and are not part of this figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
SQLITE_FILE = RESULTS_DIR / "risk.sqlite3"
DEFAULT_DISPUTES = 1_000_000
SMOKE_DISPUTES = 20_000
DAYS = 3 * 365
LAST_DAY = dt.date(2026, 11, 26)
SEED = 20261203
GOAL_SECONDS = 10.0  # issue 13: the daily detector under 10 s
OWN_SHARE = 0.55  # batch and API deliveries: counted under collection only


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.risk", description=__doc__.split("\n\n")[0])
    p.add_argument("--disputes", type=int, default=None)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--output", type=Path, default=None)
    args = p.parse_args(argv)
    if args.disputes is None:
        args.disputes = SMOKE_DISPUTES if args.smoke else DEFAULT_DISPUTES
    return args


def prepare_environment() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings.dev")
    os.environ.setdefault("DEBUG", "0")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL", "")
    if url:
        from bench.lookup import reset_postgres_database

        reset_postgres_database(url)
        return "postgresql"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    os.environ["SQLITE_PATH"] = str(SQLITE_FILE)
    return "sqlite"


def strata(rng: np.random.Generator) -> list[tuple[str, str, float]]:
    """(dimension, key, share of the complaint disputes) — each dimension's shares add up to one."""
    out: list[tuple[str, str, float]] = []

    def spread(dim: str, keys: list[str]) -> None:
        w = rng.dirichlet(np.ones(len(keys)) * 2)
        out.extend((dim, k, float(s)) for k, s in zip(keys, w, strict=True))

    spread("institution", [str(i) for i in range(1, 11)])
    spread("product", ["credit_card", "consumer_loan", "business_loan", "mortgage", "guarantee", "other"])
    spread("category", [str(i) for i in range(1, 11)])
    spread("district", [f"福建省龙岩市第{i}区" for i in range(1, 16)])
    spread("door", ["online", "counter", "station"])
    # Named respondents: a small share of the disputes, over a few hundred companies and persons.
    w = rng.dirichlet(np.ones(300) * 0.3) * 0.02
    out.extend(("respondent", f"name:公司{i}", float(s)) for i, s in enumerate(w))
    return out


def write_counts(n_disputes: int) -> int:
    from xietong.risk.models import DailyCount

    rng = np.random.default_rng(SEED)
    per_day = n_disputes / DAYS
    complaint_rate = per_day * (1 - OWN_SHARE)
    first = LAST_DAY - dt.timedelta(days=DAYS - 1)
    rows: list[DailyCount] = []
    total = 0
    plan = strata(rng)
    plan += [("collection", str(i), OWN_SHARE / 10 / (1 - OWN_SHARE)) for i in range(1, 11)]
    for dim, key, share in plan:
        lam = complaint_rate * share
        counts = rng.poisson(lam, DAYS)
        if (dim, key) == ("product", "consumer_loan"):
            counts[-10:] = rng.poisson(3 * lam, 10)  # one injected surge the run should find
        for i in np.nonzero(counts)[0]:
            c = int(counts[i])
            rows.append(
                DailyCount(
                    day=first + dt.timedelta(days=int(i)), dimension=dim, key=key, label=key, cases=c, claimants=c
                )
            )
        if len(rows) > 20_000:
            DailyCount.objects.bulk_create(rows, batch_size=5000)
            total += len(rows)
            rows = []
    DailyCount.objects.bulk_create(rows, batch_size=5000)
    return total + len(rows)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    vendor = prepare_environment()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from xietong.risk.models import RiskWarning
    from xietong.risk.services import risk_detect

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    rows = write_counts(args.disputes)
    load_s = time.perf_counter() - t0
    if vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE risk_dailycount")
    runs = []
    for _ in range(args.runs):
        t = time.perf_counter()
        r = risk_detect(day=LAST_DAY, rollup=False)
        runs.append(round(time.perf_counter() - t, 3))
    warnings = list(RiskWarning.objects.values_list("dimension", "key", "detector", "severity"))
    result = {
        "benchmark": "risk",
        "vendor": vendor,
        "disputes": args.disputes,
        "days": DAYS,
        "count_rows": rows,
        "load_seconds": round(load_s, 2),
        "strata_read": r.strata,
        "seconds_per_run": runs,
        "goal_seconds": GOAL_SECONDS,
        "within_goal": max(runs) < GOAL_SECONDS,
        "warnings": [list(w) for w in warnings],
        "surge_found": any(w[0] == "product" and w[1] == "consumer_loan" for w in warnings),
        "python": platform.python_version(),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    out = args.output or RESULTS_DIR / f"risk-{vendor}{'-smoke' if args.smoke else ''}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(
        f"risk detector, {vendor}: {args.disputes:,} disputes over {DAYS} days, {rows:,} count rows, "
        f"{r.strata} strata read; seconds per run {runs} (goal < {GOAL_SECONDS:g}); "
        f"{len(warnings)} warning(s), injected surge found: {result['surge_found']} → {out}"
    )
    return 0 if result["within_goal"] else 1


if __name__ == "__main__":
    sys.exit(main())
