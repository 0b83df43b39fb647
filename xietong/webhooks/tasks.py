"""Background tasks of the webhooks (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at one delivery, if it is due; a failure schedules the next (see services)."""
    from .services import delivery_attempt

    delivery = delivery_attempt(pk=delivery_id)
    return "not due" if delivery is None else str(delivery.status)
