"""A worker's heartbeat: a daemon thread that records, every few seconds, that its process lives.

A task is RUNNING in django-tasks-db from the moment a worker claims it; if that worker is killed
the row stays RUNNING forever. The heartbeat tells a busy worker (a ten-minute import) from a dead
one: the thread beats while the task runs, and stops when the process dies.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.db import connection
from django.utils import timezone

from .services import worker_heartbeat_beat

logger = logging.getLogger("xietong.ops.heartbeat")


class Heartbeat(threading.Thread):
    def __init__(self, *, worker_id: str, queues: str, interval: float) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.queues = queues
        self.interval = interval
        self.started = timezone.now()
        self.stop_event = threading.Event()

    def beat(self) -> None:
        try:
            worker_heartbeat_beat(
                worker_id=self.worker_id,
                hostname=socket.gethostname(),
                pid=os.getpid(),
                queues=self.queues,
                started_at=self.started,
            )
        except Exception:  # the database may be away for a moment: the next beat tries again
            logger.warning("worker %s: heartbeat not recorded", self.worker_id, exc_info=True)
        finally:
            connection.close()

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.beat()
            self.stop_event.wait(self.interval)
