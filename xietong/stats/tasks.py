"""Background tasks of the figures (django-tasks): the catch-up and the daily check of every case."""

from __future__ import annotations

from django_tasks import task

from xietong.ops.periodic import periodic
from xietong.ops.retry import retry_safe


@periodic("*/5 * * * *", once_per="minute")
@retry_safe(max_attempts=3, backoff_seconds=60)  # idempotent: a case already up to date is left alone
@task()
def stats_catch_up_task() -> dict[str, int]:
    """Refresh the cases whose newest timeline event is newer than their figures (rollup.py, step 3)."""
    from .rollup import stats_catch_up

    result = stats_catch_up()
    return {"from": result.read_from, "to": result.read_to, "refreshed": result.refreshed}


@periodic("40 3 * * *", once_per="day")
@retry_safe(max_attempts=3, backoff_seconds=300)  # idempotent: compares, and refreshes only what is behind
@task()
def stats_verify_task() -> dict[str, int]:
    """Compare every case with its figures; refresh any that a late commit left behind."""
    from .rollup import stats_verify

    result = stats_verify()
    return {"to": result.read_to, "refreshed": result.refreshed}
