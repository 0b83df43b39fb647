"""Background tasks of the audit trail (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from xietong.ops.periodic import periodic


@periodic("7 * * * *", once_per="hour")  # a cut tail is noticed back to the last hour at most
@task()
def audit_checkpoint_hourly() -> dict[str, int | str]:
    """Append a signed checkpoint of the audit head to the checkpoint file, outside the database."""
    from .services import audit_checkpoint

    point = audit_checkpoint(reason="hourly")
    return {"seq": point.seq, "hash": point.hash, "at": point.at}
