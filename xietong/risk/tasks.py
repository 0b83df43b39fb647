"""Background tasks of the risk app (django-tasks)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def risk_detect_daily(day: str | None = None) -> dict[str, int | str]:
    """The daily run: recount the day and read every active stratum. Idempotent per day."""
    from .services import risk_detect

    result = risk_detect(day=dt.date.fromisoformat(day) if day else None)
    return {"day": result.day.isoformat(), "strata": result.strata, "raised": result.raised, "worse": result.worse}
