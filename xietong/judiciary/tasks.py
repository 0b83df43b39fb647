"""Background tasks of the judiciary (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def ruling_deliver(ruling_id: int, judge_id: int) -> str:
    """Render a ruling or judgment to PDF after its transaction committed, and serve it on the parties."""
    from .services import ruling_deliver as deliver

    return deliver(ruling_id=ruling_id, judge_id=judge_id).sha256


@task()
def hearing_notice_deliver(hearing_id: int, actor_id: int) -> int | None:
    """Render a hearing notice after its transaction committed, and serve it on the parties."""
    from .services import hearing_notice_deliver as deliver

    return deliver(hearing_id=hearing_id, actor_id=actor_id).notice_id
