"""HTTP benchmark: the platform under load over loopback, gunicorn x2 under production settings.

    python -m bench.http [--smoke] [--duration S] [--repeat R] [--concurrency 16,64] [--reuse] [--output PATH]
    python -m bench.http --in-process [--calls N] [--profile TARGET] [--reuse]

Loads the demo region into its own database (bench/results/http.sqlite3, or the PostgreSQL database
named by DATABASE_URL when its name contains "bench"), collects the static files, starts gunicorn with
two worker processes and `xietong.settings.production`, and drives it with wrk (Debian's package) at
each concurrency: `/healthz` (the ceiling: no database), a bank's case-status call
(`GET /api/v1/cases/{id}/status` with its bearer token) beside the full case it replaces for polling
(`GET /api/v1/cases/{id}`), a clerk's case list (`/`) and a citizen's "my cases" (`/my/`).
Requests/s, p50, p90 and p99 of each run go to bench/results/http-<vendor>.json with the machine's
load average beside them. `--in-process` calls each target through Django's WSGI handler in one
process under the same settings instead (no gunicorn, no wrk): CPU and statements per call, and a
cProfile of one target. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
SQLITE_FILE = RESULTS_DIR / "http.sqlite3"
VAR_DIR = RESULTS_DIR / "http-var"
GOAL_RATIO = 0.6  # issue 16: the status API at >= 0.6x the ceiling's requests/s
GOAL_P99_MS = 30.0  # ... and p99 <= 30 ms at 64 clients
SECRET = "bench-only-secret-key-" + "x" * 40
AUDIT_KEY = "bench-only-audit-key-" + "x" * 40  # production refuses to start without one


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__.split("\n\n")[0])
    p.add_argument("--smoke", action="store_true", help="2 s per run, one repetition, concurrency 4")
    p.add_argument("--duration", type=float, default=None, help="seconds per wrk run (default 10, smoke 2)")
    p.add_argument("--repeat", type=int, default=None, help="repetitions of the whole round (default 3, smoke 1)")
    p.add_argument("--concurrency", default=None, help="comma-separated (default 16,64; smoke 4)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    p.add_argument("--reuse", action="store_true", help="keep the database loaded by an earlier run")
    p.add_argument("--output", type=Path, default=None)
    p.add_argument(
        "--in-process",
        action="store_true",
        help="no server, no wrk: each target called --calls times through Django's WSGI handler in one process"
        " (CPU per call and statements per call)",
    )
    p.add_argument("--calls", type=int, default=300, help="calls per target and round with --in-process (default 300)")
    p.add_argument("--rounds", type=int, default=5, help="rounds with --in-process, targets taking turns (default 5)")
    p.add_argument("--profile", default=None, help="with --in-process: cProfile 200 calls of this target")
    p.add_argument("--in-process-child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.duration = args.duration or (2.0 if args.smoke else 10.0)
    args.repeat = args.repeat or (1 if args.smoke else 3)
    args.concurrency = [int(c) for c in (args.concurrency or ("4" if args.smoke else "16,64")).split(",")]
    return args


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run([str(ROOT / "scripts" / "system-deps.sh"), "bench"], check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    return found


def server_env(vendor: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="xietong.settings.production",
        SECRET_KEY=SECRET,
        AUDIT_HMAC_KEY=AUDIT_KEY,
        PUBLIC_BASE_URL="https://xietong.example.org",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        XIETONG_VAR_DIR=str(VAR_DIR),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    if vendor == "sqlite":
        env["SQLITE_PATH"] = str(SQLITE_FILE)
    return env


def prepare_database(args: argparse.Namespace) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xietong.settings.dev")
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = SECRET  # the sessions made here are read by the server
    os.environ["AUDIT_HMAC_KEY"] = AUDIT_KEY  # the audit entries of the demo, verifiable by the server
    os.environ["XIETONG_VAR_DIR"] = str(VAR_DIR)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL", "")
    if url:
        from bench.lookup import reset_postgres_database

        if not args.reuse:
            reset_postgres_database(url)
        return "postgresql"
    os.environ["SQLITE_PATH"] = str(SQLITE_FILE)
    if not args.reuse:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    return "sqlite"


def load_world(vendor: str) -> dict[str, Any]:
    """The demo region, a bank's API token and a case it may see, sessions of a clerk and a citizen."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from xietong.accounts.models import User
    from xietong.accounts.services import api_client_create
    from xietong.audit.services import SYSTEM
    from xietong.cases.models import Case

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if not User.objects.exists():
        call_command("load_demo", verbosity=0)
    call_command("case_status_rebuild", stdout=io.StringIO())  # a database from before the status documents
    loaded_s = time.perf_counter() - t0

    bank = User.objects.get(username="ccb").organisation
    client, token = api_client_create(actor=SYSTEM, organisation=bank, name="bench-http")
    case = Case.objects.restrict(client).order_by("-pk").first()
    assert case is not None, "the demo bank sees no case"

    def session_of(username: str) -> str:
        user = User.objects.get(username=username)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return str(store.session_key)

    return {
        "loaded_s": round(loaded_s, 1),
        "cases": Case.objects.count(),
        "token": token,
        "case_id": case.pk,
        "clerk_session": session_of("clerk"),
        "citizen_session": session_of("huang"),
    }


def target_paths(world: dict[str, Any]) -> dict[str, tuple[str, dict[str, str]]]:
    """What is asked, by whom: name → (path, headers)."""
    bearer = {"Authorization": f"Bearer {world['token']}"}
    return {
        "healthz": ("/healthz", {}),
        "status_api": (f"/api/v1/cases/{world['case_id']}/status", bearer),
        "case_detail_api": (f"/api/v1/cases/{world['case_id']}", bearer),
        "staff_list": ("/", {"Cookie": f"sessionid={world['clerk_session']}"}),
        "my_cases": ("/my/", {"Cookie": f"sessionid={world['citizen_session']}"}),
    }


def in_process(vendor: str, world: dict[str, Any], calls: int, rounds: int, profile: str | None) -> dict[str, Any]:
    """Each target called `calls` times in each of `rounds` rounds through Django's WSGI handler in one
    process under the server's settings, no network: CPU per call (`time.process_time`, the median of
    the rounds) and statements per call."""
    spec = json.dumps({"paths": target_paths(world), "calls": calls, "rounds": rounds, "profile": profile})
    out = subprocess.run(
        [sys.executable, "-m", "bench.http", "--in-process-child", spec],
        cwd=ROOT,
        env=server_env(vendor),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"the in-process run failed:\n{out.stderr}")
    lines = out.stdout.splitlines()
    result: dict[str, Any] = json.loads(lines[-1])
    if len(lines) > 1:
        print("\n".join(lines[:-1]))  # the profile
    return result


def in_process_child(spec_json: str) -> None:
    import cProfile
    import io
    import pstats

    import django

    django.setup()
    if os.environ.get("BENCH_CONN_MAX_AGE"):  # an experiment: persistent connections (see bench/README.md)
        from django.conf import settings

        settings.DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_CONN_MAX_AGE"])
    if os.environ.get("BENCH_CONN_HEALTH_CHECKS") == "0":  # an experiment: no `SELECT 1` per request
        from django.conf import settings

        settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    if os.environ.get("BENCH_CSP") == "library":  # django-csp's own middleware, as before (bench/README.md)
        from django.conf import settings

        ours = "xietong.core.csp.CSPMiddleware"
        settings.MIDDLEWARE = ["csp.middleware.CSPMiddleware" if m == ours else m for m in settings.MIDDLEWARE]
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    spec = json.loads(spec_json)
    app = get_wsgi_application()

    def call(path: str, headers: dict[str, str]) -> tuple[str, bytes]:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        for k, v in headers.items():
            environ["HTTP_" + k.upper().replace("-", "_")] = v
        status: list[str] = []
        response = app(environ, lambda s, h, exc_info=None: status.append(s))
        try:
            body = b"".join(response)
        finally:
            response.close()  # type: ignore[attr-defined]
        return status[0], body

    results: dict[str, Any] = {}
    for name, (path, headers) in spec["paths"].items():
        for _ in range(30):  # warm-up: imports, caches, the first connection
            status, body = call(path, headers)
        if not status.startswith("200"):
            raise SystemExit(f"{name}: {path} answered {status}: {body[:300]!r}")
        statements: list[str] = []

        def count(
            execute: Any, sql: str, params: Any, many: bool, context: Any, statements: list[str] = statements
        ) -> Any:
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            call(path, headers)
        results[name] = {"statements": len(statements), "sql": [s[:300] for s in statements], "bytes": len(body)}
    # The targets take turns, `rounds` times: on a shared machine a slow minute then weighs on all of them.
    rounds: dict[str, list[float]] = {name: [] for name in spec["paths"]}
    for _round in range(spec["rounds"]):
        for name, (path, headers) in spec["paths"].items():
            c0 = time.process_time()
            for _ in range(spec["calls"]):
                call(path, headers)
            rounds[name].append((time.process_time() - c0) * 1000 / spec["calls"])
    for name, found in rounds.items():
        results[name]["cpu_ms_per_call"] = round(statistics.median(found), 3)
        results[name]["cpu_ms_rounds"] = [round(x, 3) for x in found]
    if spec["profile"]:
        path, headers = spec["paths"][spec["profile"]]
        # BENCH_PROFILE_CLOCK=cpu times the process's CPU (what a busy server runs out of); the default
        # is the wall clock, which counts the waits for the database too.
        clock = time.process_time if os.environ.get("BENCH_PROFILE_CLOCK") == "cpu" else time.perf_counter
        prof = cProfile.Profile(clock)
        prof.enable()
        for _ in range(200):
            call(path, headers)
        prof.disable()
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "tottime")).print_stats(
            int(os.environ.get("BENCH_PROFILE_LINES", "30"))
        )
        print(text.getvalue())
    print(json.dumps(results))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def collect_static(vendor: str) -> None:
    """The production settings serve static files from their manifest: without it a page answers 500."""
    env = server_env(vendor)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def start_server(vendor: str, workers: int, port: int) -> subprocess.Popen[bytes]:
    env = server_env(vendor)
    collect_static(vendor)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    cmd = [gunicorn, "xietong.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    proc = subprocess.Popen(
        [*cmd, "--log-level", "warning", "--backlog", "2048"],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    pct = {int(p): to_ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M)}
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rps,
        "p50_ms": pct.get(50),
        "p90_ms": pct.get(90),
        "p99_ms": pct.get(99),
        "requests": total,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


TICK = os.sysconf("SC_CLK_TCK")


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by gunicorn's master and its workers."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    total = 0.0
    for p in [pid, *(int(x) for x in out.split())]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return total


def run_wrk(
    wrk: str, url: str, headers: dict[str, str], connections: int, duration: float, server_pid: int | None = None
) -> dict[str, Any]:
    cmd = [wrk, "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{duration:g}s", "--latency"]
    cmd += ["--timeout", "10s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    load_before = os.getloadavg()[0]
    cpu_before = server_cpu_s(server_pid) if server_pid else 0.0
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    result = parse_wrk(out)
    if server_pid and result["requests"]:
        # The server's CPU per request: what the request costs, whatever else the machine is doing.
        result["server_cpu_ms_per_request"] = round(
            (server_cpu_s(server_pid) - cpu_before) * 1000 / result["requests"], 3
        )
    result["load_1m_before"] = round(load_before, 2)
    result["load_1m_after"] = round(os.getloadavg()[0], 2)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.in_process_child:
        in_process_child(args.in_process_child)
        return 0
    if args.in_process:
        vendor = prepare_database(args)
        world = load_world(vendor)
        collect_static(vendor)
        load_before = os.getloadavg()
        found = in_process(vendor, world, args.calls, args.rounds, args.profile)
        print(f"  load average (1, 5, 15 min) before {load_before}, after {os.getloadavg()}")
        for name, row in found.items():
            print(
                f"  {name:<16} {row['cpu_ms_per_call']:7.3f} ms CPU per call (median of {args.rounds} rounds:"
                f" {', '.join(f'{x:.2f}' for x in row['cpu_ms_rounds'])})  {row['statements']} statements"
            )
        output = args.output or RESULTS_DIR / f"http-inprocess-{vendor}.json"
        output.write_text(
            json.dumps(
                {
                    "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "load_avg": os.getloadavg(),
                    "calls": args.calls,
                    "rounds": args.rounds,
                    "targets": found,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    wrk = wrk_path()
    vendor = prepare_database(args)
    world = load_world(vendor)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    targets = {name: (f"{base}{path}", headers) for name, (path, headers) in target_paths(world).items()}
    server = start_server(vendor, args.workers, port)
    runs: list[dict[str, Any]] = []
    try:
        for name, (url, headers) in targets.items():  # warm every worker, and check each answers 200
            req = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(req, timeout=10) as r:
                if r.status != 200 or r.url != url:
                    raise SystemExit(f"{name}: {url} answered {r.status} at {r.url}")
            run_wrk(wrk, url, headers, 4, 1.0)
        for repetition in range(args.repeat):
            for connections in args.concurrency:
                for name, (url, headers) in targets.items():
                    r = run_wrk(wrk, url, headers, connections, args.duration, server.pid)
                    r.update(target=name, connections=connections, repetition=repetition)
                    runs.append(r)
                    print(
                        f"  {name:<15} c={connections:<3} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.2f} ms"
                        f"  p99 {r['p99_ms']:7.2f} ms  cpu {r.get('server_cpu_ms_per_request', 0):6.2f} ms/req"
                        f"  load {r['load_1m_before']:.2f}"
                        + (f"  NON-2xx {r['non_2xx']}" if r["non_2xx"] else "")
                        + (f"  socket errors: {r['socket_errors']}" if r["socket_errors"] else ""),
                        flush=True,
                    )
    finally:
        server.terminate()
        server.wait(timeout=30)

    summary: dict[str, Any] = {}
    for connections in args.concurrency:
        for name in targets:
            mine = [r for r in runs if r["target"] == name and r["connections"] == connections]
            summary[f"{name}@{connections}"] = {
                "rps": round(statistics.median(r["rps"] for r in mine), 1),
                "p50_ms": round(statistics.median(r["p50_ms"] for r in mine), 2),
                "p99_ms": round(statistics.median(r["p99_ms"] for r in mine), 2),
                "non_2xx": sum(r["non_2xx"] for r in mine),
                "server_cpu_ms_per_request": round(
                    statistics.median(r.get("server_cpu_ms_per_request", 0.0) for r in mine), 3
                ),
                "runs_with_socket_errors": sum(1 for r in mine if r["socket_errors"]),
            }
        ceiling = summary[f"healthz@{connections}"]["rps"]
        cpu_ceiling = summary[f"healthz@{connections}"]["server_cpu_ms_per_request"]
        for api in ("status_api", "case_detail_api"):
            status = summary[f"{api}@{connections}"]
            status["ratio_to_ceiling"] = round(status["rps"] / ceiling, 3) if ceiling else None
            if status["server_cpu_ms_per_request"]:
                # What the ratio would be with the two cores to the server alone: CPU per request, inverted.
                status["cpu_ratio_to_ceiling"] = round(cpu_ceiling / status["server_cpu_ms_per_request"], 3)
    at64 = summary.get("status_api@64")
    goal = None
    if at64:
        goal = {
            "ratio": at64["ratio_to_ceiling"],
            "ratio_ok": (at64["ratio_to_ceiling"] or 0) >= GOAL_RATIO,
            "p99_ms": at64["p99_ms"],
            "p99_ok": at64["p99_ms"] <= GOAL_P99_MS,
        }
    report = {
        "benchmark": "http",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "vendor": vendor,
        "smoke": args.smoke,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg": os.getloadavg()},
        "gunicorn_workers": args.workers,
        "duration_s": args.duration,
        "repeat": args.repeat,
        "demo_cases": world["cases"],
        "summary": summary,
        "goal": goal,
        "runs": runs,
    }
    output = args.output or RESULTS_DIR / f"http-{vendor}.json"
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"median of {args.repeat} runs each; written to {output}")
    for key, row in summary.items():
        extra = f"  {row['ratio_to_ceiling']:.2f}x the ceiling" if row.get("ratio_to_ceiling") else ""
        print(
            f"  {key:<16} {row['rps']:8.1f} req/s  p50 {row['p50_ms']:7.2f}  p99 {row['p99_ms']:7.2f} ms"
            f"  cpu {row['server_cpu_ms_per_request']:.2f} ms/req{extra}"
        )
    bad = sum(r["non_2xx"] for r in runs)
    if bad:
        print(f"{bad} responses were not 2xx/3xx", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
