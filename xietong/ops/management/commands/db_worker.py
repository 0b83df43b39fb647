"""django-tasks-db's `db_worker`, with a heartbeat thread (see xietong/ops/heartbeat.py).

Same name and options as the library's command, so every way of starting a worker gets the
heartbeat; `xietong.ops` is listed before `django_tasks_db` in INSTALLED_APPS for that.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from xietong.ops.heartbeat import Heartbeat


class Command(DbWorkerCommand):
    help = "Run a database background worker (with a heartbeat, so a dead worker's tasks are found)"

    def handle(self, *args: Any, **options: Any) -> None:
        interval = float(settings.XIETONG_WORKER_HEARTBEAT_SECONDS)
        heartbeat = None
        if interval > 0:
            heartbeat = Heartbeat(worker_id=options["worker_id"], queues=options["queue_name"], interval=interval)
            heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            if heartbeat is not None:
                heartbeat.stop_event.set()
