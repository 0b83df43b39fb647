"""Idempotent tasks retried with back-off; orphans re-queued under the same cap; two workers share the queue."""

import datetime as dt
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from xietong.ops.retry import RetryPolicy, retry_policies, retry_policy
from xietong.ops.services import tasks_fail_orphaned
from xietong.ops.tests.sample_tasks import flaky, fragile, record_run

ROOT = Path(__file__).resolve().parents[3]


def test_the_back_off_doubles_up_to_its_cap():
    policy = RetryPolicy(max_attempts=5, backoff_seconds=30, factor=2, max_backoff_seconds=100)
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
    assert policy.allows_another(4) and not policy.allows_another(5)


def test_the_real_idempotent_tasks_are_declared_and_the_others_are_not():
    declared = retry_policies()
    for path in (
        "xietong.agreements.tasks.agreement_pdf_render",
        "xietong.judiciary.tasks.ruling_deliver",
        "xietong.judiciary.tasks.hearing_notice_deliver",
        "xietong.webhooks.tasks.deliver_due_webhooks",
        "xietong.risk.tasks.risk_detect_daily",
        "xietong.repayment.tasks.repayment_daily_task",
        "xietong.ops.tasks.prune_task_results",
        "xietong.ops.tasks.fail_orphaned_tasks",
    ):
        assert path in declared, path
    # A batch import has its own recovery; it is never simply run again.
    assert retry_policy("xietong.batches.tasks.import_batch") is None


def work_off() -> None:
    """A real worker (the library's loop with our heartbeat) runs every task due, then stops."""
    call_command(
        "db_worker", "--backend", "db", "--queue-name", "*", "--batch", "--interval", "0", "--no-startup-delay",
        "--no-reload", verbosity=0,
    )  # fmt: skip


def make_due(task_id) -> None:
    DBTaskResult.objects.filter(pk=task_id).update(run_after=timezone.now() - dt.timedelta(seconds=1))


@pytest.mark.django_db(transaction=True)
def test_a_retry_safe_task_that_fails_is_retried_with_back_off_until_its_attempts_run_out():
    result = flaky.enqueue("down")
    before = timezone.now()
    work_off()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "READY" and len(row.worker_ids) == 1
    assert dt.timedelta(seconds=9) <= row.run_after - before <= dt.timedelta(seconds=15)  # 10 s
    assert "RuntimeError: down" in row.traceback  # the last error stays visible
    work_off()  # not due yet: nothing runs
    assert len(DBTaskResult.objects.get(pk=result.id).worker_ids) == 1
    make_due(result.id)
    before = timezone.now()
    work_off()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "READY" and len(row.worker_ids) == 2
    assert dt.timedelta(seconds=19) <= row.run_after - before <= dt.timedelta(seconds=25)  # 20 s
    make_due(result.id)
    work_off()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "FAILED" and len(row.worker_ids) == 3  # the third attempt was the last


@pytest.mark.django_db(transaction=True)
def test_a_task_not_declared_retry_safe_fails_once():
    result = fragile.enqueue("down")
    work_off()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "FAILED" and len(row.worker_ids) == 1


@pytest.mark.django_db
def test_an_orphaned_retry_safe_task_is_requeued_with_back_off_until_its_cap():
    now = timezone.now()

    def orphan(workers: list[str]) -> str:
        result = flaky.enqueue("x")
        DBTaskResult.objects.filter(pk=result.id).update(
            status="RUNNING", started_at=now - dt.timedelta(hours=2), worker_ids=workers
        )
        return str(result.id)

    young, spent = orphan(["w1"]), orphan(["w1", "w2", "w3"])
    other = fragile.enqueue("x")
    DBTaskResult.objects.filter(pk=other.id).update(
        status="RUNNING", started_at=now - dt.timedelta(hours=2), worker_ids=["w1"]
    )
    outcome = tasks_fail_orphaned(now=now)
    assert outcome["requeued"] == [young]
    assert sorted(outcome["failed"]) == sorted([spent, str(other.id)])
    row = DBTaskResult.objects.get(pk=young)
    assert row.status == "READY" and row.run_after == now + dt.timedelta(seconds=10)
    assert "3 attempts" in DBTaskResult.objects.get(pk=spent).traceback


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_postgresql_share_the_queue_and_run_each_task_once(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: on SQLite one worker runs the queue (its write lock serialises claims)")
    log = tmp_path / "runs.log"
    n = 60
    ids = [str(record_run.enqueue(i, str(log)).id) for i in range(n)]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xietong.settings.test",
        "XIETONG_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
    }
    workers = []
    for name in ("w-a", "w-b"):
        args = [sys.executable, "manage.py", "db_worker", "--backend", "db", "--queue-name", "*"]
        args += ["--worker-id", name, "--interval", "0.05", "--no-startup-delay", "--no-reload", "-v", "0"]
        workers.append(subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    try:
        end = time.monotonic() + 120
        while time.monotonic() < end:
            if DBTaskResult.objects.filter(pk__in=ids, status="SUCCESSFUL").count() == n:
                break
            for w in workers:
                assert w.poll() is None, w.stderr.read().decode()[-2000:] if w.stderr else ""
            time.sleep(0.2)
    finally:
        for w in workers:
            w.terminate()
            w.wait(30)
    rows = list(DBTaskResult.objects.filter(pk__in=ids).values_list("status", "worker_ids"))
    assert [s for s, _w in rows] == ["SUCCESSFUL"] * n
    assert all(len(w) == 1 for _s, w in rows)  # claimed once each
    runs = Counter(line.split()[0] for line in log.read_text().splitlines())
    assert runs == Counter({str(i): 1 for i in range(n)})  # and run exactly once
    took = Counter(w[0] for _s, w in rows)
    assert set(took) == {"w-a", "w-b"} and min(took.values()) >= 5, took  # both workers took a share
    pids = {line.split()[1] for line in log.read_text().splitlines()}
    assert len(pids) == 2
