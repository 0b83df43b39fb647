"""Background tasks of the judiciary (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from xietong.ops.retry import retry_safe


@retry_safe(max_attempts=5, backoff_seconds=30)  # idempotent: rendered once, served once
@task()
def ruling_deliver(ruling_id: int, judge_id: int) -> str:
    """Render a ruling or judgment to PDF after its transaction committed, and serve it on the parties."""
    from .services import ruling_deliver as deliver

    return deliver(ruling_id=ruling_id, judge_id=judge_id).sha256


@retry_safe(max_attempts=5, backoff_seconds=30)  # idempotent: served once
@task()
def hearing_notice_deliver(hearing_id: int, actor_id: int) -> int | None:
    """Render a hearing notice after its transaction committed, and serve it on the parties."""
    from .services import hearing_notice_deliver as deliver

    return deliver(hearing_id=hearing_id, actor_id=actor_id).notice_id
