"""Tasks for the tests only, on the database backend ("db" in the test settings)."""

import logging
import os
import time

from django_tasks import task

from xietong.ops.retry import retry_safe

logger = logging.getLogger("xietong.ops.tests")


@task(backend="db")
def count_me() -> str:
    return "counted"


@task(backend="db")
def sleep_for(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


@task(backend="db")
def say(message: str) -> str:
    logger.info("task says %s", message)
    return message


@retry_safe(max_attempts=3, backoff_seconds=10)
@task(backend="db")
def flaky(message: str) -> str:
    raise RuntimeError(message)


@task(backend="db")
def fragile(message: str) -> str:
    raise RuntimeError(message)


@task(backend="db")
def record_run(n: int, path: str, pause: float = 0.02) -> int:
    """Append "n pid" to a file (one small O_APPEND write: whole lines, whatever the number of workers)."""
    time.sleep(pause)
    with open(path, "a") as fh:
        fh.write(f"{n} {os.getpid()}\n")
    return n
