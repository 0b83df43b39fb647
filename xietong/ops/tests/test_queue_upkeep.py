import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from xietong.ops.models import ScheduledRun, WorkerHeartbeat
from xietong.ops.services import task_results_prune, tasks_fail_orphaned, worker_heartbeat_beat
from xietong.ops.tasks import fail_orphaned_tasks, prune_task_results
from xietong.ops.tests.sample_tasks import count_me, sleep_for

ROOT = Path(__file__).resolve().parents[3]
NOW = timezone.now()


def task_row(status, *, finished_days_ago=None, started_ago=None, worker="", path=None):
    result = count_me.enqueue()
    fields = {"status": status}
    if finished_days_ago is not None:
        fields["finished_at"] = NOW - dt.timedelta(days=finished_days_ago)
    if started_ago is not None:
        fields["started_at"] = NOW - started_ago
    if worker:
        fields["worker_ids"] = ["an-earlier-try", worker]
    if path:
        fields["task_path"] = path
    DBTaskResult.objects.filter(pk=result.id).update(**fields)
    return str(result.id)


@pytest.mark.django_db
@override_settings(XIETONG_TASKS_KEEP_DAYS=3)
def test_prune_deletes_only_finished_results_older_than_the_setting():
    old_ok = task_row("SUCCESSFUL", finished_days_ago=4)
    old_failed = task_row("FAILED", finished_days_ago=10)
    recent = task_row("SUCCESSFUL", finished_days_ago=2)
    waiting = task_row("READY")
    DBTaskResult.objects.filter(pk=waiting).update(enqueued_at=NOW - dt.timedelta(days=30))
    running = task_row("RUNNING", started_ago=dt.timedelta(days=20))
    ScheduledRun.objects.create(job="j", slot="old")
    ScheduledRun.objects.create(job="j", slot="new")
    ScheduledRun.objects.filter(slot="old").update(enqueued_at=NOW - dt.timedelta(days=5))

    assert task_results_prune(now=NOW) == 2
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert {str(pk) for pk in left} == {recent, waiting, running}
    assert old_ok not in left and old_failed not in left
    assert list(ScheduledRun.objects.values_list("slot", flat=True)) == ["new"]
    assert task_results_prune(now=NOW) == 0  # idempotent
    with pytest.raises(ValueError):
        task_results_prune(keep_days=0)


@pytest.mark.django_db
def test_prune_is_a_task_that_defaults_to_fourteen_days():
    task_row("SUCCESSFUL", finished_days_ago=15)
    keep = task_row("SUCCESSFUL", finished_days_ago=13)
    result = prune_task_results.enqueue()  # the immediate backend in tests: runs now
    assert result.return_value == 1
    assert {
        str(pk) for pk in DBTaskResult.objects.filter(task_path__endswith="count_me").values_list("pk", flat=True)
    } == {keep}


@pytest.mark.django_db
@override_settings(XIETONG_WORKER_DEAD_SECONDS=60, XIETONG_TASKS_RUNNING_MAX_SECONDS=3600)
def test_orphans_of_dead_workers_fail_the_living_ones_are_left_alone():
    worker_heartbeat_beat(worker_id="alive", hostname="h", pid=1, queues="*", started_at=NOW)
    worker_heartbeat_beat(worker_id="dead", hostname="h", pid=2, queues="*", started_at=NOW)
    WorkerHeartbeat.objects.filter(pk="dead").update(last_seen_at=timezone.now() - dt.timedelta(seconds=61))
    busy = task_row("RUNNING", started_ago=dt.timedelta(hours=5), worker="alive")  # long, but beating
    orphan = task_row("RUNNING", started_ago=dt.timedelta(seconds=90), worker="dead")
    silent_young = task_row("RUNNING", started_ago=dt.timedelta(minutes=10), worker="no-heartbeat")
    silent_old = task_row("RUNNING", started_ago=dt.timedelta(hours=2), worker="no-heartbeat")
    safe = task_row("RUNNING", started_ago=dt.timedelta(hours=2), path="xietong.ops.tasks.prune_task_results")

    outcome = tasks_fail_orphaned()

    assert sorted(outcome["failed"]) == sorted([orphan, silent_old])
    assert outcome["requeued"] == [safe]
    rows = {str(r.pk): r for r in DBTaskResult.objects.all()}
    assert rows[busy].status == rows[silent_young].status == "RUNNING"
    assert rows[orphan].status == "FAILED" and rows[orphan].finished_at is not None
    assert rows[orphan].exception_class_path == "xietong.ops.exceptions.WorkerLost"
    assert "worker dead last seen" in rows[orphan].traceback
    assert rows[safe].status == "READY" and rows[safe].started_at is None
    assert tasks_fail_orphaned() == {"failed": [], "requeued": []}  # idempotent
    assert fail_orphaned_tasks.enqueue().return_value == {"failed": [], "requeued": []}


@pytest.mark.django_db(transaction=True)
def test_a_task_of_a_killed_worker_is_found_and_failed():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xietong.settings.test",
        "XIETONG_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "XIETONG_WORKER_HEARTBEAT_SECONDS": "0.2",
    }
    args = [sys.executable, "manage.py", "db_worker", "--backend", "db", "--queue-name", "*", "--worker-id", "w-kill"]
    args += ["--interval", "0.1", "--no-startup-delay", "--no-reload", "-v", "0"]
    result = sleep_for.enqueue(30)
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        end = time.monotonic() + 20
        while time.monotonic() < end and DBTaskResult.objects.get(pk=result.id).status != "RUNNING":
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            time.sleep(0.05)
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == "RUNNING" and row.worker_ids == ["w-kill"]
        time.sleep(0.5)
        beat = WorkerHeartbeat.objects.get(pk="w-kill")
        assert beat.pid == proc.pid
        assert tasks_fail_orphaned() == {"failed": [], "requeued": []}  # alive: beating
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    later = timezone.now() + dt.timedelta(seconds=121)
    assert tasks_fail_orphaned(now=later)["failed"] == [str(result.id)]
    assert DBTaskResult.objects.get(pk=result.id).status == "FAILED"
