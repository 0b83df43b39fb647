"""Writes of the operations app: the scheduler lease, periodic enqueues, worker heartbeats, queue upkeep.

Queue upkeep works on django-tasks-db's own table (`DBTaskResult`) with conditional updates
(`… WHERE status = 'RUNNING'`), so a worker finishing a task at the same moment always wins.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, DateTimeField, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Now
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .models import ScheduledRun, SchedulerLease, WorkerHeartbeat
from .retry import retry_policy

if TYPE_CHECKING:
    from .periodic import PeriodicJob

logger = logging.getLogger("xietong.ops")

SCHEDULER_LEASE = "scheduler"
PRUNE_CHUNK = 2000


def scheduler_lease_acquire(*, holder: str, ttl_seconds: float, name: str = SCHEDULER_LEASE) -> bool:
    """Take or renew the lease; False while another holder's lease has not expired (database clock)."""
    expires = ExpressionWrapper(Now() + Value(dt.timedelta(seconds=ttl_seconds)), output_field=DateTimeField())
    with transaction.atomic():
        renewed = (
            SchedulerLease.objects.filter(name=name)
            .filter(Q(holder=holder) | Q(expires_at__lt=Now()))
            .update(
                acquired_at=Case(When(holder=holder, then=F("acquired_at")), default=Now()),
                holder=holder,
                renewed_at=Now(),
                expires_at=expires,
            )
        )
        if renewed:
            return True
        if SchedulerLease.objects.filter(name=name).exists():
            return False
        try:
            with transaction.atomic():
                SchedulerLease.objects.create(
                    name=name, holder=holder, acquired_at=Now(), renewed_at=Now(), expires_at=expires
                )
        except IntegrityError:  # another scheduler created it first
            return False
    return True


def scheduler_lease_release(*, holder: str, name: str = SCHEDULER_LEASE) -> None:
    """Give the lease up at once (clean shutdown), so a standby takes over without waiting for expiry."""
    SchedulerLease.objects.filter(name=name, holder=holder).delete()


def periodic_enqueue(*, job: PeriodicJob, when: dt.datetime) -> str | None:
    """Enqueue the job's task for the slot of `when`, unless that slot was already enqueued."""
    slot = job.slot(when)
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot)
        except IntegrityError:
            logger.info("periodic job %s: slot %s already enqueued", job.name, slot)
            return None
        result = job.task.enqueue()
        run.task_id = str(result.id)
        run.save(update_fields=["task_id"])
    logger.info("periodic job %s: slot %s enqueued as task %s", job.name, slot, run.task_id)
    return run.task_id


def worker_heartbeat_beat(*, worker_id: str, hostname: str, pid: int, queues: str, started_at: dt.datetime) -> None:
    """Record that a worker is alive now."""
    now = timezone.now()
    if WorkerHeartbeat.objects.filter(pk=worker_id).update(last_seen_at=now):
        return
    try:
        with transaction.atomic():
            WorkerHeartbeat.objects.create(
                worker_id=worker_id,
                hostname=hostname[:255],
                pid=pid,
                queues=queues[:255],
                started_at=started_at,
                last_seen_at=now,
            )
    except IntegrityError:
        WorkerHeartbeat.objects.filter(pk=worker_id).update(last_seen_at=now)


def _delete_in_chunks(qs: object, model: type) -> int:
    total = 0
    while True:
        ids = list(qs.values_list("pk", flat=True)[:PRUNE_CHUNK])  # type: ignore[attr-defined]
        if not ids:
            return total
        deleted, _ = model.objects.filter(pk__in=ids).delete()  # type: ignore[attr-defined]
        total += deleted


def task_results_prune(*, keep_days: int | None = None, now: dt.datetime | None = None) -> int:
    """Delete finished (successful or failed) task results older than `keep_days`; returns how many.

    Old scheduled-run records and heartbeats of long-gone workers go with them. Ready and running
    tasks are never touched, however old.
    """
    keep = int(settings.XIETONG_TASKS_KEEP_DAYS if keep_days is None else keep_days)
    if keep < 1:
        raise ValueError("XIETONG_TASKS_KEEP_DAYS must be at least 1")
    cutoff = (now or timezone.now()) - dt.timedelta(days=keep)
    finished = DBTaskResult.objects.filter(
        status__in=["SUCCESSFUL", "FAILED"], finished_at__isnull=False, finished_at__lt=cutoff
    )
    pruned = _delete_in_chunks(finished, DBTaskResult)
    _delete_in_chunks(ScheduledRun.objects.filter(enqueued_at__lt=cutoff), ScheduledRun)
    _delete_in_chunks(WorkerHeartbeat.objects.filter(last_seen_at__lt=cutoff), WorkerHeartbeat)
    logger.info("pruned %d finished task results older than %d days", pruned, keep)
    return pruned


def tasks_fail_orphaned(*, now: dt.datetime | None = None) -> dict[str, list[str]]:
    """Find tasks left RUNNING by a dead worker; fail them, or put them back in the queue if safe.

    A worker is dead when its heartbeat is older than XIETONG_WORKER_DEAD_SECONDS. A task whose
    worker never sent one (a worker started without the heartbeat) counts as orphaned once it has
    run longer than XIETONG_TASKS_RUNNING_MAX_SECONDS. Such tasks fail with
    `xietong.ops.exceptions.WorkerLost`, except tasks declared retry-safe (`xietong.ops.retry`, or listed in XIETONG_TASKS_REQUEUE_SAFE): they go
    back to READY with their policy's back-off, until they have been attempted `max_attempts` times (one
    attempt per claim in `worker_ids`); then they fail like the others.
    """
    now = now or timezone.now()
    dead_after = dt.timedelta(seconds=float(settings.XIETONG_WORKER_DEAD_SECONDS))
    running_max = dt.timedelta(seconds=float(settings.XIETONG_TASKS_RUNNING_MAX_SECONDS))
    running = list(DBTaskResult.objects.filter(status="RUNNING").values("id", "task_path", "worker_ids", "started_at"))
    workers = {row["worker_ids"][-1] for row in running if row["worker_ids"]}
    seen = dict(WorkerHeartbeat.objects.filter(worker_id__in=workers).values_list("worker_id", "last_seen_at"))
    outcome: dict[str, list[str]] = {"failed": [], "requeued": []}
    for row in running:
        worker = row["worker_ids"][-1] if row["worker_ids"] else ""
        last_seen = seen.get(worker)
        if last_seen is not None:
            dead = last_seen < now - dead_after
            why = f"worker {worker} last seen at {last_seen.isoformat()}"
        else:
            dead = row["started_at"] is None or row["started_at"] < now - running_max
            why = f"worker {worker or '?'} sent no heartbeat; running since {row['started_at']}"
        if not dead:
            continue
        still_running = DBTaskResult.objects.filter(pk=row["id"], status="RUNNING")
        policy = retry_policy(row["task_path"])
        attempts = len(row["worker_ids"] or [])
        if policy is not None and policy.allows_another(attempts):
            run_after = now + policy.delay(attempts)
            if still_running.update(status="READY", started_at=None, run_after=run_after):
                outcome["requeued"].append(str(row["id"]))
                logger.warning(
                    "task %s (%s) re-queued after attempt %d of %d, to run after %s: %s",
                    row["id"], row["task_path"], attempts, policy.max_attempts, run_after.isoformat(), why,
                )  # fmt: skip
            continue
        if policy is not None:
            why += f"; {attempts} attempts, the most its policy allows"
        if still_running.update(
            status="FAILED",
            finished_at=now,
            exception_class_path="xietong.ops.exceptions.WorkerLost",
            traceback=f"WorkerLost: {why}; the task was failed by the queue's upkeep.\n",
            return_value=None,
        ):
            outcome["failed"].append(str(row["id"]))
            logger.warning("task %s (%s) failed: %s", row["id"], row["task_path"], why)
    return outcome


def task_retry(*, task_id: str, now: dt.datetime | None = None) -> bool:
    """A FAILED retry-safe task back to READY after its back-off, unless its attempts ran out.

    Conditional on the row still being FAILED (nobody re-ran or pruned it meanwhile). Returns whether
    it was put back."""
    row = DBTaskResult.objects.filter(pk=task_id, status="FAILED").values("task_path", "worker_ids").first()
    if row is None:
        return False
    policy = retry_policy(row["task_path"])
    attempts = len(row["worker_ids"] or [])
    if policy is None:
        return False
    if not policy.allows_another(attempts):
        logger.error("task %s (%s) failed for good after %d attempts", task_id, row["task_path"], attempts)
        return False
    run_after = (now or timezone.now()) + policy.delay(attempts)
    back = DBTaskResult.objects.filter(pk=task_id, status="FAILED").update(
        status="READY", run_after=run_after, started_at=None, finished_at=None
    )
    if back:
        logger.warning(
            "task %s (%s) failed on attempt %d of %d; retried after %s",
            task_id, row["task_path"], attempts, policy.max_attempts, run_after.isoformat(),
        )  # fmt: skip
    return bool(back)
