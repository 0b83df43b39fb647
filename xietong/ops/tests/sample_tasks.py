"""Tasks for the tests only, on the database backend ("db" in the test settings)."""

import logging
import time

from django_tasks import task

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
