"""Background tasks of judicial suggestions (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from xietong.ops.periodic import periodic


# Every morning at 08:20 (Asia/Shanghai); idempotent per day: a reminder, an escalation or a review is
# taken once per suggestion, whatever the number of runs.
@periodic("20 8 * * *", once_per="day")
@task()
def suggestions_daily_task() -> dict[str, int | str]:
    """Overdue replies (reminder, then escalation to the regulators) and effect reviews that fall due."""
    from .services import suggestions_daily

    s = suggestions_daily()
    return {
        "day": s.day.isoformat(),
        "checked": s.checked,
        "reminders": s.reminders,
        "escalations": s.escalations,
        "reviews": s.reviews,
        "errors": len(s.errors),
    }
