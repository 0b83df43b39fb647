"""Reads of the operations app: the health checks and the queue's figures.

Each check returns a small dict, `{"ok": bool, ...}`, with figures and a reason — never a host
name, a database name, a worker id or an exception's message (they may carry credentials).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Case, DateTimeField, F, Min, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult, get_date_max

from .models import WorkerHeartbeat

Check = dict[str, Any]
_migrations_applied = False  # once true in a process, it stays true for the code that process runs


def check_database(*, alias: str = DEFAULT_DB_ALIAS, timeout: float = 2.0) -> Check:
    conn = connections[alias]
    started = time.perf_counter()
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # set_config, not SET: a SET takes no bound parameter under server-side binding.
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{int(timeout * 1000)}ms"])
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_migrations(*, alias: str = DEFAULT_DB_ALIAS) -> Check:
    global _migrations_applied
    if _migrations_applied:
        return {"ok": True, "unapplied": 0}
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return {"ok": False, "unapplied": len(plan), "error": _("%(n)d migrations are not applied") % {"n": len(plan)}}
    _migrations_applied = True
    return {"ok": True, "unapplied": 0}


def check_worker(*, now: dt.datetime | None = None) -> Check:
    limit = float(settings.XIETONG_READYZ_WORKER_SECONDS)
    last = WorkerHeartbeat.objects.order_by("-last_seen_at").values_list("last_seen_at", flat=True).first()
    if last is None:
        return {"ok": False, "last_seen_seconds": None, "error": _("no task worker has been seen")}
    age = ((now or timezone.now()) - last).total_seconds()
    seen_lately = WorkerHeartbeat.objects.filter(
        last_seen_at__gte=(now or timezone.now()) - dt.timedelta(seconds=limit)
    )
    check: Check = {"ok": age <= limit, "last_seen_seconds": round(age, 1), "workers": seen_lately.count()}
    if not check["ok"]:
        check["error"] = _("no task worker seen for %(s)d s (limit %(limit)d s)") % {"s": age, "limit": limit}
    return check


def queue_oldest_ready(*, now: dt.datetime | None = None) -> tuple[int, float | None]:
    """How many tasks are ready to run, and how long (seconds) the oldest of them has waited."""
    now = now or timezone.now()
    ready = DBTaskResult.objects.ready()
    due = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"), output_field=DateTimeField()
    )
    figures = ready.order_by().aggregate(oldest=Min(due))
    count = ready.order_by().count()
    oldest = figures["oldest"]
    return count, None if oldest is None else max(0.0, (now - oldest).total_seconds())


def check_queue(*, now: dt.datetime | None = None) -> Check:
    limit = float(settings.XIETONG_READYZ_QUEUE_SECONDS)
    count, waited = queue_oldest_ready(now=now)
    check: Check = {"ok": waited is None or waited <= limit, "ready": count, "oldest_ready_seconds": waited}
    if waited is not None:
        check["oldest_ready_seconds"] = round(waited, 1)
    if not check["ok"]:
        check["error"] = _("the oldest ready task has waited %(s)d s (limit %(limit)d s)") % {
            "s": waited,
            "limit": limit,
        }
    return check


def queue_is_database() -> bool:
    """Whether the default task backend is django-tasks-db (the worker and queue checks apply)."""
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)
