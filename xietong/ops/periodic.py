"""Periodic tasks: declared next to the task, enqueued by the one scheduler process.

    from django_tasks import task
    from xietong.ops.periodic import periodic

    @periodic("30 2 * * *", once_per="day")   # every night at 02:30, Asia/Shanghai
    @task()
    def remind_due_instalments() -> int: ...

The scheduler (`manage.py run_scheduler`) imports every app's `tasks` module, so a declaration
there is all it takes. Firing a job only *enqueues* its task; a worker runs it. Each enqueue
claims the job's slot (its minute, hour or day, in the platform's time zone) in `ScheduledRun`,
in the same transaction: a slot is enqueued at most once, whatever the number of schedulers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from django.utils import timezone

OncePer = Literal["minute", "hour", "day"]
_SLOT_FORMATS: dict[str, str] = {"minute": "%Y-%m-%dT%H:%M", "hour": "%Y-%m-%dT%H", "day": "%Y-%m-%d"}


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any  # a django_tasks Task
    trigger: BaseTrigger
    once_per: OncePer

    def slot(self, when: dt.datetime) -> str:
        return timezone.localtime(when).strftime(_SLOT_FORMATS[self.once_per])


_registry: dict[str, PeriodicJob] = {}


def cron_trigger(schedule: str) -> CronTrigger:
    """A five-field crontab line in the platform's time zone. Days of the week by name only."""
    fields = schedule.split()
    if len(fields) != 5:
        raise ValueError(f"a crontab schedule has five fields, not {len(fields)}: {schedule!r}")
    if any(ch.isdigit() for ch in fields[4]):
        # crontab counts Sunday as 0, APScheduler counts Monday as 0: names leave no doubt.
        raise ValueError(f"name the days of the week (mon, tue, … sun) or use *: {schedule!r}")
    return CronTrigger.from_crontab(schedule, timezone=timezone.get_default_timezone())


def periodic(schedule: str | BaseTrigger, *, once_per: OncePer = "minute") -> Callable[[Any], Any]:
    """Register a task to be enqueued on a schedule (crontab string or an APScheduler trigger)."""
    if once_per not in _SLOT_FORMATS:
        raise ValueError(f"once_per must be one of {sorted(_SLOT_FORMATS)}, not {once_per!r}")
    trigger = cron_trigger(schedule) if isinstance(schedule, str) else schedule

    def register(task: Any) -> Any:
        name = task.module_path
        _registry[name] = PeriodicJob(name=name, task=task, trigger=trigger, once_per=once_per)
        return task

    return register


def periodic_jobs() -> dict[str, PeriodicJob]:
    """Every declared job, after importing each installed app's `tasks` module."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")
    return dict(_registry)


def periodic_job(name: str) -> PeriodicJob:
    return periodic_jobs()[name]
