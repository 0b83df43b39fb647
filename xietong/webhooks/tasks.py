"""Background tasks of the webhooks (django-tasks)."""

from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger
from django.utils import timezone
from django_tasks import task

from xietong.ops.periodic import periodic
from xietong.ops.retry import retry_safe


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at one delivery, if it is due; a failure schedules the next (see services)."""
    from .services import delivery_attempt

    delivery = delivery_attempt(pk=delivery_id)
    return "not due" if delivery is None else str(delivery.status)


@periodic(IntervalTrigger(minutes=1, timezone=timezone.get_default_timezone()))
@retry_safe(max_attempts=3, backoff_seconds=30)  # each attempt first claims its delivery: none is sent twice
@task()
def deliver_due_webhooks() -> int:
    """Every minute: the sweep, sending every due delivery (lost tasks, retries without deferral)."""
    from .services import deliveries_send_due

    return deliveries_send_due()
