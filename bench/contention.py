"""Contention benchmark: do logins wait while court documents render? (PostgreSQL only)

    DATABASE_URL=postgres://.../xietong_bench python -m bench.contention [--court N] [--logins N] [--smoke]

Loads the test world into its own PostgreSQL database (emptied first; its name must contain "bench"),
prepares N filed cases whose hearing was held (ready for a judgment) and N filed cases without a hearing,
then forks N "court" processes, each recording one judgment and scheduling one hearing (two PDFs: the
judgment and the hearing notice, with their service), while N other processes log in through the real
login view over and over. Every login is audited, and the audit trail's head is one row: a transaction
that renders a PDF while holding it makes every login wait. Login p50/p99 before the court work starts
(idle) and while it runs go to bench/results/contention-postgresql.json. Passwords are hashed with MD5 here,
so that a login's time is its waiting, not Argon2's hashing. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.contention", description=__doc__.split("\n\n")[0])
    p.add_argument("--court", type=int, default=8, help="concurrent court processes (default 8)")
    p.add_argument("--logins", type=int, default=8, help="concurrent login processes (default 8)")
    p.add_argument("--idle", type=float, default=5.0, help="seconds of logins before the court work (default 5)")
    p.add_argument("--smoke", action="store_true", help="2 court and 2 login processes")
    p.add_argument("--label", default="", help="a name for this run in the output (e.g. before, after)")
    p.add_argument("--output", type=Path, default=None)
    args = p.parse_args(argv)
    if args.smoke:
        args.court, args.logins, args.idle = 2, 2, 2.0
    return args


def setup(n: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings

    # Tasks run in the process that enqueued them, right after the commit, as a worker would.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # A cheap password hash: Argon2 (about 100 MB and several threads per login) would make the figure
    # measure hashing on a 2-core machine, not waiting for locks. The forked processes inherit this.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from tests.support.judiciary import file_case, schedule_hearing, serve_hearing_notice
    from tests.support.world import PASSWORD, build_world, more_cases
    from xietong.accounts.choices import Role
    from xietong.accounts.services import user_create
    from xietong.audit.services import SYSTEM
    from xietong.cases.services import case_fail_mediation, case_start_mediation
    from xietong.judiciary.choices import HearingStatus
    from xietong.judiciary.services import hearing_set_status

    world = build_world()
    clerk, judge, mediator = world.users["clerk"], world.users["judge"], world.users["mediator"]
    ready, unscheduled = [], []
    for i, case in enumerate(more_cases(world, 2 * n)):
        case_start_mediation(case=case, actor=mediator)
        case_fail_mediation(case=case, actor=mediator, note="被申请人拒绝任何还款方案")
        file_case(case, clerk)
        if i < n:
            hearing = schedule_hearing(case, clerk, judge)
            serve_hearing_notice(case, clerk)
            hearing_set_status(actor=judge, hearing=hearing, status=HearingStatus.HELD)
            ready.append(case.pk)
        else:
            unscheduled.append(case.pk)
    users = []
    for i in range(max(n, 8)):
        user = user_create(
            actor=SYSTEM,
            username=f"login{i}",
            password=PASSWORD,
            role=Role.CLERK,
            organisation=world.court,
            full_name=f"书记员{i}",
        )
        users.append(user.username)
    return {
        "judge": judge.pk,
        "clerk": clerk.pk,
        "ready": ready,
        "unscheduled": unscheduled,
        "users": users,
        "password": PASSWORD,
    }


def court_worker(judge_id: int, clerk_id: int, ready: int, unscheduled: int, start: Any, out: Any) -> None:
    from django.db import connections

    connections.close_all()
    from tests.support.judiciary import schedule_hearing
    from xietong.accounts.models import User
    from xietong.cases.models import Case
    from xietong.judiciary.choices import OutcomeKind
    from xietong.judiciary.services import trial_outcome_record

    judge, clerk = User.objects.get(pk=judge_id), User.objects.get(pk=clerk_id)
    start.wait()
    t0 = time.perf_counter()
    trial_outcome_record(
        actor=judge,
        case=ready,
        kind=OutcomeKind.JUDGMENT,
        summary="被告应偿还原告借款本息",
        amount_awarded=Case.objects.get(pk=ready).total,
    )
    t1 = time.perf_counter()
    schedule_hearing(unscheduled, clerk, judge)
    t2 = time.perf_counter()
    out.put({"judgment_s": t1 - t0, "hearing_s": t2 - t1})


def login_worker(username: str, password: str, stop: Any, ready: Any, out: Any) -> None:
    from django.db import connections

    connections.close_all()
    from django.test import Client

    Client().post("/login/", {"username": username, "password": password})  # warm-up: imports, URLs, templates
    ready.put(username)
    samples = []
    while not stop.is_set():
        client = Client()
        t0 = time.time()
        response = client.post("/login/", {"username": username, "password": password})
        t1 = time.time()
        if response.status_code != 302:
            out.put({"error": f"login answered {response.status_code}"})
            return
        samples.append((t0, t1))
    out.put({"samples": samples})


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench.contention runs on PostgreSQL: set DATABASE_URL to a database whose name has 'bench'")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings.dev")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ.setdefault("XIETONG_VAR_DIR", str(RESULTS_DIR / "contention-var"))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    from bench.lookup import reset_postgres_database

    reset_postgres_database(url)
    t0 = time.perf_counter()
    prepared = setup(args.court)
    print(
        f"prepared {len(prepared['ready'])} + {len(prepared['unscheduled'])} filed cases in {time.perf_counter() - t0:.0f} s"
    )
    from django.db import connections

    connections.close_all()

    ctx = mp.get_context("fork")
    out, ready = ctx.Queue(), ctx.Queue()
    stop, start = ctx.Event(), ctx.Event()
    logins = [
        ctx.Process(target=login_worker, args=(prepared["users"][i], prepared["password"], stop, ready, out))
        for i in range(args.logins)
    ]
    court = [
        ctx.Process(
            target=court_worker,
            args=(prepared["judge"], prepared["clerk"], prepared["ready"][i], prepared["unscheduled"][i], start, out),
        )
        for i in range(args.court)
    ]
    for p in logins + court:
        p.start()
    for _ in logins:
        ready.get(timeout=300)
    idle_start = time.time()
    time.sleep(args.idle)
    load_before = os.getloadavg()[0]
    court_start = time.time()
    start.set()
    steps = []
    for _ in court:
        steps.append(out.get(timeout=600))
    court_end = time.time()
    time.sleep(0.5)
    stop.set()
    samples: list[tuple[float, float]] = []  # (start, end) of each login
    for _ in logins:
        got = out.get(timeout=120)
        if "error" in got:
            raise SystemExit(got["error"])
        samples += got["samples"]
    for p in logins + court:
        p.join(timeout=60)
    # Idle: logins that ended before the court work started; during: those that overlapped it.
    idle = [(t1 - t0) * 1000 for t0, t1 in samples if idle_start <= t0 and t1 <= court_start]
    busy = [(t1 - t0) * 1000 for t0, t1 in samples if t1 > court_start and t0 < court_end]
    report = {
        "benchmark": "contention",
        "label": args.label,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "court_processes": args.court,
        "login_processes": args.logins,
        "load_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "court_window_s": round(court_end - court_start, 2),
        "judgment_s": {
            "p50": statistics.median(s["judgment_s"] for s in steps),
            "max": max(s["judgment_s"] for s in steps),
        },
        "hearing_s": {
            "p50": statistics.median(s["hearing_s"] for s in steps),
            "max": max(s["hearing_s"] for s in steps),
        },
        "login_idle_ms": {"n": len(idle), "p50": pct(idle, 0.5), "p99": pct(idle, 0.99)},
        "login_during_court_ms": {
            "n": len(busy),
            "p50": pct(busy, 0.5),
            "p99": pct(busy, 0.99),
            "max": max(busy, default=0),
        },
    }
    output = args.output or RESULTS_DIR / f"contention-postgresql{'-' + args.label if args.label else ''}.json"
    output.write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k not in ("benchmark", "date")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
