"""Background tasks of the risk app (django-tasks)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from xietong.ops.periodic import periodic
from xietong.ops.retry import retry_safe


@periodic("10 0 * * *", once_per="day")  # the day just ended, idempotent per day
@retry_safe(max_attempts=4, backoff_seconds=300)
@task()
def risk_detect_daily(day: str | None = None) -> dict[str, int | str]:
    """The daily run for `day` (default: the day just ended). Idempotent per day."""
    from django.utils import timezone

    from .services import risk_detect

    on = dt.date.fromisoformat(day) if day else timezone.localdate() - dt.timedelta(days=1)
    result = risk_detect(day=on)
    return {"day": result.day.isoformat(), "strata": result.strata, "raised": result.raised, "worse": result.worse}
