"""Background tasks of the figures (django-tasks): the catch-up and the daily check of every case."""

from __future__ import annotations

from django_tasks import task

from xietong.ops.periodic import periodic


@periodic("*/5 * * * *", once_per="minute")
@task()
def stats_catch_up_task() -> dict[str, int]:
    """Refresh the cases whose newest timeline event is newer than their figures (rollup.py, step 3)."""
    from .rollup import stats_catch_up

    result = stats_catch_up()
    return {"from": result.read_from, "to": result.read_to, "refreshed": result.refreshed}


@periodic("40 3 * * *", once_per="day")
@task()
def stats_verify_task() -> dict[str, int]:
    """Compare every case with its figures; refresh any that a late commit left behind."""
    from .rollup import stats_verify

    result = stats_verify()
    return {"to": result.read_to, "refreshed": result.refreshed}
