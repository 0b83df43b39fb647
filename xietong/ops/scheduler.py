"""The scheduler process: holds the lease, and while it holds it, enqueues each periodic job on time."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string

from .periodic import PeriodicJob, periodic_jobs
from .services import periodic_enqueue, scheduler_lease_acquire, scheduler_lease_release

logger = logging.getLogger("xietong.ops.scheduler")


def refresh_connection() -> None:
    """Drop a broken or expired database connection (never one inside a transaction: a test's)."""
    if not connection.in_atomic_block:
        close_old_connections()


def fire(job: PeriodicJob) -> str | None:
    """What APScheduler calls on time: enqueue the job's task for its slot (in a thread of its pool)."""
    refresh_connection()
    try:
        return periodic_enqueue(job=job, when=timezone.now())
    except Exception:
        logger.exception("periodic job %s could not be enqueued", job.name)
        return None
    finally:
        refresh_connection()


class Scheduler:
    """Active while it holds the lease; a standby otherwise, retrying every `refresh` seconds."""

    def __init__(self, *, ttl: float = 30.0, refresh: float = 10.0, holder: str | None = None) -> None:
        if refresh >= ttl:
            raise ValueError("the lease must be renewed more often than it expires")
        self.ttl = ttl
        self.refresh = refresh
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{get_random_string(8)}"
        self.stop_event = threading.Event()
        self.jobs = periodic_jobs()
        self.aps = BackgroundScheduler(
            timezone=timezone.get_default_timezone(),
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        for job in self.jobs.values():
            self.aps.add_job(fire, job.trigger, args=[job], id=job.name, name=job.name)
        self.active = False

    def step(self) -> bool:
        """Renew or take the lease, and start or pause the jobs accordingly. Returns: active."""
        refresh_connection()
        try:
            holds = scheduler_lease_acquire(holder=self.holder, ttl_seconds=self.ttl)
        except Exception:
            logger.exception("the scheduler lease could not be renewed")
            holds = False
        if holds and not self.active:
            logger.info("scheduler %s active: %d periodic jobs", self.holder, len(self.jobs))
            if self.aps.running:
                self.aps.resume()
            else:
                self.aps.start()
        elif not holds and self.active:
            logger.warning("scheduler %s lost its lease: paused", self.holder)
            self.aps.pause()
        elif not holds:
            logger.debug("scheduler %s standing by: another holds the lease", self.holder)
        self.active = holds
        return holds

    def run(self, *, on_step: Callable[[bool], None] | None = None) -> None:
        try:
            while not self.stop_event.is_set():
                active = self.step()
                if on_step:
                    on_step(active)
                self.stop_event.wait(self.refresh)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=False)
        if self.active:
            refresh_connection()
            scheduler_lease_release(holder=self.holder)
            self.active = False
        refresh_connection()
