import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from xietong.ops import selectors
from xietong.ops.services import worker_heartbeat_beat
from xietong.ops.tests.sample_tasks import count_me

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def db_queue(monkeypatch):
    """Health as on a deployment whose default task backend is the database queue."""
    monkeypatch.setattr(selectors, "queue_is_database", lambda: True)


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")  # no django_db mark: any database access would raise
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_readyz_ok_with_a_worker_seen_and_a_fresh_queue(client, db_queue):
    worker_heartbeat_beat(worker_id="w1", hostname="secret-host", pid=1, queues="*", started_at=timezone.now())
    count_me.enqueue()
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "worker", "queue"}
    assert body["checks"]["queue"]["ready"] == 1 and body["checks"]["queue"]["oldest_ready_seconds"] < 60
    assert body["checks"]["worker"]["workers"] == 1
    assert "secret-host" not in response.content.decode() and "w1" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
@override_settings(XIETONG_READYZ_WORKER_SECONDS=60, XIETONG_READYZ_QUEUE_SECONDS=300)
def test_readyz_fails_on_a_silent_worker_and_a_stuck_queue(client, db_queue):
    assert client.get("/readyz").json()["checks"]["worker"]["error"]  # never seen
    worker_heartbeat_beat(worker_id="w1", hostname="h", pid=1, queues="*", started_at=timezone.now())
    from xietong.ops.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update(last_seen_at=timezone.now() - dt.timedelta(seconds=90))
    stuck = count_me.enqueue()
    DBTaskResult.objects.filter(pk=stuck.id).update(enqueued_at=timezone.now() - dt.timedelta(seconds=400))
    later = count_me.using(run_after=timezone.now() + dt.timedelta(hours=1)).enqueue()  # not ready yet
    assert later.id
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]
    assert not body["checks"]["worker"]["ok"] and body["checks"]["worker"]["last_seen_seconds"] >= 90
    assert not body["checks"]["queue"]["ok"] and body["checks"]["queue"]["ready"] == 1
    assert body["checks"]["queue"]["oldest_ready_seconds"] >= 400
    # A web process's readiness can leave the workers out.
    assert client.get("/readyz?checks=database,migrations").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_readyz_says_which_migrations_are_missing(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(selectors, "_migrations_applied", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)] * 3)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "unapplied": 3, "error": "3 项数据库迁移尚未执行"}


@pytest.mark.django_db(transaction=True)
def test_readyz_503_when_the_database_refuses_without_leaking_the_message(client, monkeypatch):
    def refuse(**kwargs):
        raise OperationalError('connection to server at "db.internal" failed: password authentication failed')

    monkeypatch.setattr(selectors, "check_database", refuse)
    response = client.get("/readyz", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == {"ok": False, "error": "database unreachable (OperationalError)"}
    assert "db.internal" not in response.content.decode() and "password" not in response.content.decode()
    assert not body["checks"]["queue"]["ok"]


@pytest.mark.django_db(transaction=True)
@override_settings(XIETONG_READYZ_TIMEOUT_SECONDS=0.3)
def test_readyz_never_hangs_on_a_database_that_does_not_answer(client, monkeypatch):
    monkeypatch.setattr(selectors, "check_database", lambda **kw: time.sleep(2))
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 1.5
    assert response.status_code == 503
    assert "0.3" in response.json()["checks"]["database"]["error"]


def test_readyz_with_a_bad_database_entry_answers_503():
    """A real process whose DATABASES points at a port nobody listens on."""
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/readyz', HTTP_ACCEPT_LANGUAGE='en'); print(r.status_code, json.dumps(r.json()))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xietong.settings.test",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nothing",
    }
    env.pop("XIETONG_TEST_DB_NAME", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    status, body = out.stdout.strip().split(" ", 1)
    assert status == "503", out.stderr[-2000:]
    assert json.loads(body)["checks"]["database"] == {"ok": False, "error": "database unreachable (OperationalError)"}
