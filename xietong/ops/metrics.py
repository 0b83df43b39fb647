"""Gauges read from the database at each scrape: right whatever the number of processes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from .selectors import queue_oldest_ready


class QueueCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_tasks_db.models import DBTaskResult

        from xietong.batches.choices import IMPORT_RUNNING
        from xietong.batches.models import Batch

        ready, waited = queue_oldest_ready()
        yield GaugeMetricFamily("xietong_tasks_ready", "Tasks ready to run (queue depth)", value=ready)
        yield GaugeMetricFamily(
            "xietong_tasks_oldest_ready_seconds", "How long the oldest ready task has waited", value=waited or 0
        )
        running = DBTaskResult.objects.filter(status="RUNNING").count()
        yield GaugeMetricFamily("xietong_tasks_running", "Tasks running now", value=running)
        since = timezone.now() - dt.timedelta(hours=24)
        failed = DBTaskResult.objects.filter(status="FAILED", finished_at__gte=since).count()
        yield GaugeMetricFamily("xietong_tasks_failed_24h", "Tasks failed in the last 24 hours", value=failed)
        imports = Batch.objects.filter(status__in=IMPORT_RUNNING).count()
        yield GaugeMetricFamily("xietong_imports_running", "Batch imports queued or importing", value=imports)


_registered = False


def register_collector() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(QueueCollector())
        _registered = True
