"""The queue's own periodic upkeep."""

from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger
from django.utils import timezone
from django_tasks import task

from .periodic import periodic
from .retry import retry_safe


@periodic("17 3 * * *", once_per="day")
@retry_safe(max_attempts=3, backoff_seconds=300)
@task()
def prune_task_results() -> int:
    """Every night: finished task results older than XIETONG_TASKS_KEEP_DAYS go."""
    from .services import task_results_prune

    return task_results_prune()


@periodic(IntervalTrigger(minutes=2, timezone=timezone.get_default_timezone()))
@retry_safe(max_attempts=2, backoff_seconds=60)
@task()
def fail_orphaned_tasks() -> dict[str, list[str]]:
    """Every two minutes: tasks left running by a dead worker are failed (or re-queued when safe)."""
    from .services import tasks_fail_orphaned

    return tasks_fail_orphaned()
