"""Operational records: who holds the scheduler, which periodic runs were enqueued, which workers live.

These are the machinery of the queue, not records of the center's work: they are not audited (the
structured logs carry them) and they are pruned with the task results.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SchedulerLease(models.Model):
    """The one scheduler allowed to enqueue periodic tasks: a lease renewed every few seconds.

    Times are the database's clock, so hosts with skewed clocks agree on who holds it.
    """

    name = models.CharField(_("name"), max_length=64, primary_key=True)
    holder = models.CharField(_("holder"), max_length=200)
    acquired_at = models.DateTimeField(_("acquired at"))
    renewed_at = models.DateTimeField(_("renewed at"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("scheduler lease")
        verbose_name_plural = _("scheduler leases")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder}"


class ScheduledRun(models.Model):
    """One enqueue of a periodic task for one slot (its minute, hour or day): never two for a slot."""

    job = models.CharField(_("job"), max_length=200)
    slot = models.CharField(_("slot"), max_length=32)
    enqueued_at = models.DateTimeField(_("enqueued at"), auto_now_add=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="ops_scheduledrun_once_per_slot")]
        indexes = [models.Index(fields=["enqueued_at"], name="ops_scheduledrun_enqueued")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot}"


class WorkerHeartbeat(models.Model):
    """A task worker's sign of life, written by its heartbeat thread every few seconds."""

    worker_id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True)
    queues = models.CharField(_("queues"), max_length=255, blank=True)
    started_at = models.DateTimeField(_("started at"))
    last_seen_at = models.DateTimeField(_("last seen at"), db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.worker_id
