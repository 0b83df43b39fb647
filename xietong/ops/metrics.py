"""Gauges read from the database at each scrape: right whatever the number of processes.

Registering the collector runs no query (`describe` names the gauges without reading them). With
several gunicorn processes (PROMETHEUS_MULTIPROC_DIR set), django-prometheus's export builds a fresh
registry from the processes' files and would leave these gauges out: `metrics_registry` adds them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

from django.utils import timezone
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector, CollectorRegistry

from .selectors import queue_oldest_ready

GAUGES = (
    ("xietong_tasks_ready", "Tasks ready to run (queue depth)"),
    ("xietong_tasks_oldest_ready_seconds", "How long the oldest ready task has waited"),
    ("xietong_tasks_running", "Tasks running now"),
    ("xietong_tasks_failed_24h", "Tasks failed in the last 24 hours"),
    ("xietong_imports_running", "Batch imports queued or importing"),
)


class QueueCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The gauges' names only: what the registry asks at registration, without a query."""
        for name, documentation in GAUGES:
            yield GaugeMetricFamily(name, documentation)

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


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def metrics_registry() -> CollectorRegistry:
    """What /metrics exports: the process's registry, or every process's files in multiprocess mode.

    Either way with the database gauges, once.
    """
    global _registered
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(QueueCollector())
        return registry
    if not _registered:
        REGISTRY.register(QueueCollector())
        _registered = True
    return REGISTRY
