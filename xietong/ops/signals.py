"""The request id travels with the tasks a request enqueues.

On enqueue (django-tasks-db), the id is written beside the task's arguments in its row
(`args_kwargs["request_id"]`: the worker reads only "args" and "kwargs", so the task's signature
is untouched). When a worker starts the task, the id is set for the task's logs; when it ends,
unset. With the immediate backend the task runs inside the request and simply keeps its id.
"""

from __future__ import annotations

from contextvars import Token
from typing import Any

from django.dispatch import receiver
from django_tasks.signals import task_enqueued, task_finished, task_started

from .requestid import request_id_var

_tokens: dict[str, Token[str | None]] = {}


@receiver(task_enqueued)
def carry_request_id(sender: Any, task_result: Any, **kwargs: Any) -> None:
    db_result = getattr(task_result, "db_result", None)
    rid = request_id_var.get()
    if db_result is None or rid is None:
        return
    args_kwargs = {**db_result.args_kwargs, "request_id": rid}
    type(db_result).objects.filter(pk=db_result.pk).update(args_kwargs=args_kwargs)
    db_result.args_kwargs = args_kwargs


@receiver(task_started)
def restore_request_id(sender: Any, task_result: Any, **kwargs: Any) -> None:
    db_result = getattr(task_result, "db_result", None)
    if db_result is None:
        return
    _tokens[str(task_result.id)] = request_id_var.set(db_result.args_kwargs.get("request_id"))


@receiver(task_finished)
def forget_request_id(sender: Any, task_result: Any, **kwargs: Any) -> None:
    token = _tokens.pop(str(task_result.id), None)
    if token is not None:
        request_id_var.reset(token)


@receiver(task_finished)
def retry_failed_task(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """A retry-safe task that failed goes back to the queue with back-off, until its attempts run out."""
    db_result = getattr(task_result, "db_result", None)
    if db_result is None or str(getattr(task_result.status, "value", task_result.status)) != "FAILED":
        return
    from .services import task_retry

    task_retry(task_id=str(db_result.pk))
