"""The production run profile (scripts/serve.sh) on PostgreSQL: two web processes, two task workers and the
scheduler, driven over HTTP through a batch import and an agreement signing."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            raw, status, kind = r.read(), r.status, r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        raw, status, kind = e.read(), e.code, e.headers.get("Content-Type", "")
    return status, json.loads(raw) if "json" in kind else raw.decode(errors="replace")


def wait_for(check: Any, seconds: float, what: str, proc: subprocess.Popen[bytes]) -> Any:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert proc.poll() is None, f"serve.sh stopped while waiting for {what}: see its log"
        try:
            got = check()
        except (OSError, urllib.error.URLError):
            got = None
        if got:
            return got
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_web_processes_and_two_workers_import_a_batch_and_sign_an_agreement(world, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the production profile runs several workers, which SQLite cannot share")
    from tests.support.agreements import agreement_make_draft
    from xietong.agreements.models import Agreement
    from xietong.agreements.services import agreement_sign_counter
    from xietong.batches.tests.helpers import good_row
    from xietong.cases.models import CaseParty
    from xietong.cases.services import case_start_mediation
    from xietong.documents.render import sha256
    from xietong.ops.models import WorkerHeartbeat

    # A case whose agreement waits for the bank's signature only (the persons signed at the counter).
    case = world.cases["bank"]
    mediator = world.users["mediator"]
    case_start_mediation(case=case, actor=mediator)
    agreement = agreement_make_draft(case, mediator)
    for party in CaseParty.objects.filter(case=case, organisation__isnull=True):
        agreement_sign_counter(actor=mediator, agreement=agreement, case_party=party)

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SQLITE_PATH")},
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "SECRET_KEY": "serve-test-" + "k" * 50,
        "AUDIT_HMAC_KEY": settings.AUDIT_HMAC_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_BASE_URL": "https://xietong.example.org",
        "SECURE_SSL_REDIRECT": "0",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "TASK_WORKERS": "2",
        "MEDIA_ROOT": str(tmp_path / "shared-media"),
        "XIETONG_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "WARNING",
        "XIETONG_WORKER_HEARTBEAT_SECONDS": "1",
    }
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        ["scripts/serve.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_for(lambda: http("GET", f"{base}/healthz")[0] == 200, 180, "/healthz", proc)
        # Ready: the database, the migrations, and the task workers' heartbeats.
        wait_for(lambda: http("GET", f"{base}/readyz")[0] == 200, 60, "/readyz", proc)
        (gunicorn,) = [p for p in children(proc.pid) if b"gunicorn" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(children(gunicorn)) == 2  # two web processes
        wait_for(lambda: WorkerHeartbeat.objects.count() == 2, 30, "two task workers", proc)

        # Static files collected and served (whitenoise, hashed names from the manifest).
        status, login = http("GET", f"{base}/login/")
        css = re.search(r'href="(/static/xietong/app\.[0-9a-f]{12}\.css)"', login)
        assert status == 200 and css, login[:500]
        assert http("GET", base + css.group(1))[0] == 200

        bearer = {"Authorization": f"Bearer {world.api_token}"}
        # A batch import: submitted over HTTP, imported by a worker.
        rows = [good_row(n) for n in range(1, 6)]
        status, batch = http(
            "POST", f"{base}/api/v1/batches", {"rows": rows, "import": True}, {**bearer, "Idempotency-Key": "serve-1"}
        )
        assert status == 201 and batch["import_started"], batch
        done = wait_for(
            lambda: (
                (b := http("GET", f"{base}/api/v1/batches/{batch['id']}", headers=bearer)[1])["status"]
                in ("imported", "failed")
                and b
            ),
            120,
            "the batch import",
            proc,
        )
        assert done["status"] == "imported", done

        # An agreement signed over HTTP; its PDF rendered by a worker onto the shared volume.
        status, signed = http("POST", f"{base}/api/v1/agreements/{agreement.pk}/sign", {}, bearer)
        assert status == 200 and signed["agreement_status"] == "signed", signed
        stored = wait_for(
            lambda: (a := Agreement.objects.get(pk=agreement.pk)).pdf_sha256 and a, 120, "the agreement's PDF", proc
        )
        pdf = Path(env["MEDIA_ROOT"]) / stored.pdf.name
        assert pdf.exists() and sha256(pdf.read_bytes()) == stored.pdf_sha256
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    from django_tasks_db.models import DBTaskResult

    ran = DBTaskResult.objects.filter(status="SUCCESSFUL").values_list("task_path", "worker_ids")
    paths = {path for path, _w in ran}
    assert {"xietong.batches.tasks.import_batch", "xietong.agreements.tasks.agreement_pdf_render"} <= paths
    assert {w[-1] for _p, w in ran} <= set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))


def test_serve_refuses_sqlite_and_asks_for_what_it_needs():
    env = {"PATH": os.environ["PATH"], "SECRET_KEY": "x" * 60, "DATABASE_URL": "sqlite:///var/x.sqlite3"}
    refused = subprocess.run(["scripts/serve.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2 and "PostgreSQL" in refused.stderr
    missing = subprocess.run(
        ["scripts/serve.sh"], cwd=ROOT, env={"PATH": os.environ["PATH"]}, capture_output=True, text=True, timeout=30
    )
    assert missing.returncode != 0 and "DATABASE_URL" in missing.stderr


def test_uploads_move_to_object_storage_by_a_setting():
    """XIETONG_MEDIA_STORAGE names any Django storage backend (django-storages' S3 in production)."""
    import sys

    probe = (
        'import django; django.setup(); from django.core.files.storage import storages; s = storages["default"]; '
        "print(type(s).__name__, s.base_url)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xietong.settings.production",
        "SECRET_KEY": "x" * 60,
        "AUDIT_HMAC_KEY": "y" * 48,
        "PUBLIC_BASE_URL": "https://xietong.example.org",
        "XIETONG_MEDIA_STORAGE": "django.core.files.storage.InMemoryStorage",
        "XIETONG_MEDIA_STORAGE_OPTIONS": '{"base_url": "https://media.example.org/"}',
    }
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["InMemoryStorage", "https://media.example.org/"], out.stderr[-1000:]
