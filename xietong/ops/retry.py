"""Which tasks may run again, and how: a small declared policy, next to the task.

    from django_tasks import task
    from xietong.ops.retry import retry_safe

    @retry_safe(max_attempts=5, backoff_seconds=30)   # idempotent: a second run changes nothing more
    @task()
    def agreement_pdf_render(agreement_id: int) -> str: ...

A task declared retry-safe (and only such a task):

- **failed** with an exception on the database queue is put back to READY with `run_after` =
  now + backoff_seconds x factor^(attempts-1) (capped at max_backoff_seconds), until it has been
  attempted `max_attempts` times; then it stays FAILED, with its last traceback;
- **orphaned** (its worker died while running it) is re-queued the same way, under the same cap,
  instead of failed with WorkerLost (`xietong.ops.services.tasks_fail_orphaned`).

Attempts are counted from the queue row itself: django-tasks-db appends the worker's id to
`worker_ids` at every claim. Declare a task retry-safe only when running it twice is harmless
(it checks what is done, like the PDF renders and the daily jobs here); never for a task whose
second run would repeat an effect (a batch import has its own recovery; a text message would be
sent twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_seconds: float = 30.0
    factor: float = 2.0
    max_backoff_seconds: float = 3600.0

    def delay(self, attempts: int) -> dt.timedelta:
        """How long to wait before attempt `attempts + 1`, after `attempts` attempts."""
        seconds = self.backoff_seconds * self.factor ** max(0, attempts - 1)
        return dt.timedelta(seconds=min(seconds, self.max_backoff_seconds))

    def allows_another(self, attempts: int) -> bool:
        return attempts < self.max_attempts


_policies: dict[str, RetryPolicy] = {}


def retry_safe(
    *, max_attempts: int = 5, backoff_seconds: float = 30.0, factor: float = 2.0, max_backoff_seconds: float = 3600.0
) -> Callable[[Any], Any]:
    """Declare a task idempotent: retried with exponential back-off, re-queued when orphaned."""
    if max_attempts < 1 or backoff_seconds < 0 or factor < 1:
        raise ValueError("max_attempts >= 1, backoff_seconds >= 0 and factor >= 1")
    policy = RetryPolicy(max_attempts, backoff_seconds, factor, max_backoff_seconds)

    def register(task: Any) -> Any:
        _policies[task.module_path] = policy
        return task

    return register


def retry_policy(task_path: str) -> RetryPolicy | None:
    """The policy of a task path; tasks listed in XIETONG_TASKS_REQUEUE_SAFE get the default one."""
    if not _policies:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")
    found = _policies.get(task_path)
    if found is None and task_path in getattr(settings, "XIETONG_TASKS_REQUEUE_SAFE", ()):
        return RetryPolicy()
    return found


def retry_policies() -> dict[str, RetryPolicy]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")
    return dict(_policies)
