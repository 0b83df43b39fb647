"""A real `db_worker` killed with SIGKILL in the middle of an import: nothing half-imported, then a retry.

The worker runs in a subprocess against this test's database (the SQLite file of the test run, or
the PostgreSQL test database when DATABASE_URL is set), with the import slowed down so it can be
killed while preparing, and while writing inside its transaction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from tests.support.world import world_load
from xietong.batches.choices import BatchStatus, ImportPhase
from xietong.batches.models import Batch
from xietong.batches.services import batch_import_start, batch_recover_stale, batch_upload
from xietong.cases.choices import CaseState, Door, NumberKind
from xietong.cases.models import Case, CaseSequence
from xietong.triage.models import TriageDecision

from .helpers import csv_bytes, good_row, upload

ROOT = Path(__file__).resolve().parents[3]
ROWS = 2000


def start_worker(*, pause: float, batch: bool = False) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xietong.settings.test",
        "XIETONG_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "XIETONG_BATCH_IMPORT_PAUSE": str(pause),
    }
    args = [sys.executable, "manage.py", "db_worker", "--backend", "db", "--queue-name", "*"]
    args += ["--interval", "0.1", "--no-startup-delay", "--no-reload", "-v", "0"]
    if batch:
        args.append("--batch")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(batch: Batch, ready, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        batch.refresh_from_db()
        if ready(batch):
            return
        if proc.poll() is not None:
            raise AssertionError(
                f"the worker ended early: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
            )
        time.sleep(0.02)
    raise AssertionError(f"timed out; batch is {batch.status} {batch.import_phase} {batch.done}/{batch.total}")


def sequence_last(court) -> int:
    year = timezone.localdate().year
    seq = CaseSequence.objects.filter(court=court, kind=NumberKind.PRE_MEDIATION, year=year).first()
    return seq.last if seq else 0


@pytest.mark.parametrize("phase", [ImportPhase.PREPARING, ImportPhase.WRITING])
def test_a_worker_killed_mid_import_leaves_nothing_and_a_retry_completes(
    _world_committed, transactional_db, settings, phase
):
    settings.BATCH_IMPORT_TASK_BACKEND = "db"
    world = world_load(_world_committed)
    data = csv_bytes([good_row(n) for n in range(1, ROWS + 1)])
    batch = batch_upload(actor=world.users["bank"], institution=world.bank, file=upload(data)).batch
    assert batch.valid_count == ROWS
    cases_before, last_before = Case.objects.count(), sequence_last(world.court)
    batch_import_start(batch=batch, actor=world.users["bank"])

    worker = start_worker(pause=0.25)
    try:
        if phase == ImportPhase.PREPARING:
            wait_for(batch, lambda b: b.done > 0 and b.import_phase == ImportPhase.PREPARING, worker)
        else:
            wait_for(batch, lambda b: b.import_phase == ImportPhase.WRITING, worker)
            time.sleep(0.6)  # some inserts done, inside the import's transaction
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTING  # the worker had no chance to say anything
    assert 0 < batch.done <= ROWS
    # Nothing half-imported: no case, no number issued, no row linked.
    assert Case.objects.count() == cases_before and not Case.objects.filter(door=Door.BATCH).exists()
    assert sequence_last(world.court) == last_before
    assert not batch.rows.filter(case__isnull=False).exists()

    # Recovery (the page, the next task or `manage.py batches_recover`): failed, retryable.
    assert batch_recover_stale() == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.failure

    retry = batch_import_start(batch=batch, actor=world.users["bank"])
    assert retry.status == BatchStatus.QUEUED
    worker = start_worker(pause=0, batch=True)  # runs what is queued, then exits
    try:
        assert worker.wait(60) == 0, worker.stderr.read().decode()[-2000:] if worker.stderr else ""
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTED and batch.done == ROWS
    cases = Case.objects.filter(batch_rows__batch=batch)
    assert cases.count() == ROWS == cases.filter(state=CaseState.TRIAGED).count()
    assert TriageDecision.objects.filter(case__in=cases).count() == ROWS
    assert sequence_last(world.court) == last_before + ROWS
