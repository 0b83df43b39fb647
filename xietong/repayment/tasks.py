"""Background tasks of repayment (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from xietong.ops.periodic import periodic
from xietong.ops.retry import retry_safe


# Hourly: idempotent per day; a reminder held back by quiet hours goes out at 08:00 in the debtor's zone.
@periodic("5 * * * *", once_per="hour")
@retry_safe(max_attempts=3, backoff_seconds=300)  # idempotent per day
@task()
def repayment_daily_task() -> dict[str, int]:
    """The daily follow-up of every open plan (safe to run every hour: idempotent per day)."""
    from .services import repayment_daily

    s = repayment_daily()
    return {
        "plans": s.plans,
        "state_changes": s.state_changes,
        "defaulted": s.defaulted,
        "reminders": s.reminders,
        "held_back": s.held_back,
        "plans_made": s.plans_made,
        "limitation_warnings": s.limitation_warnings,
        "errors": len(s.errors),
    }
