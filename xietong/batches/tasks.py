"""Background tasks of the batches (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def import_batch(batch_id: int) -> str:
    """Import a queued batch: all its valid rows as triaged cases, or nothing (see services)."""
    from .services import batch_import_run

    batch = batch_import_run(batch_id=batch_id)
    return "not queued" if batch is None else str(batch.status)
