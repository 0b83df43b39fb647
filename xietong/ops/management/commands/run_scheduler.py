"""Run the scheduler of periodic tasks: one active process at a time (a lease in the database)."""

from __future__ import annotations

import signal
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand

from xietong.ops.scheduler import Scheduler


class Command(BaseCommand):
    help = "Enqueue periodic tasks on schedule. Start as many as you like: one holds the lease, the others wait."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--lease-ttl", type=float, default=30.0, help="seconds a lease lasts unrenewed")
        parser.add_argument("--lease-refresh", type=float, default=10.0, help="seconds between renewals")
        parser.add_argument("--list", action="store_true", help="list the periodic jobs and exit")

    def handle(self, *args: Any, lease_ttl: float, lease_refresh: float, list: bool, **options: Any) -> None:
        scheduler = Scheduler(ttl=lease_ttl, refresh=lease_refresh)
        if list:
            for job in scheduler.jobs.values():
                self.stdout.write(f"{job.name}\t{job.trigger}\tonce per {job.once_per}")
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            scheduler.stop_event.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Scheduler {scheduler.holder}: {len(scheduler.jobs)} periodic jobs.")
        scheduler.run()
        self.stdout.write("Scheduler stopped.")
