import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from xietong.ops.models import ScheduledRun, SchedulerLease
from xietong.ops.periodic import PeriodicJob, cron_trigger, periodic, periodic_jobs
from xietong.ops.scheduler import Scheduler, fire
from xietong.ops.services import periodic_enqueue, scheduler_lease_acquire, scheduler_lease_release
from xietong.ops.tests.sample_tasks import count_me

ROOT = Path(__file__).resolve().parents[3]


def job(once_per="day"):
    return PeriodicJob(name="sample.count_me", task=count_me, trigger=cron_trigger("0 2 * * *"), once_per=once_per)


def test_cron_refuses_numbered_weekdays_and_bad_lines():
    with pytest.raises(ValueError, match="days of the week"):
        cron_trigger("0 2 * * 1")
    with pytest.raises(ValueError, match="five fields"):
        cron_trigger("0 2 * *")
    assert "mon" in str(cron_trigger("0 2 * * mon"))
    with pytest.raises(ValueError, match="once_per"):
        periodic("0 2 * * *", once_per="week")  # type: ignore[arg-type]


def test_the_apps_tasks_modules_declare_the_queue_upkeep():
    jobs = periodic_jobs()
    assert jobs["xietong.ops.tasks.prune_task_results"].once_per == "day"
    assert "xietong.ops.tasks.fail_orphaned_tasks" in jobs


@pytest.mark.django_db
def test_a_slot_is_enqueued_once_per_day_in_the_platform_time_zone():
    j = job("day")
    morning = dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    assert periodic_enqueue(job=j, when=morning) is not None
    assert periodic_enqueue(job=j, when=morning + dt.timedelta(hours=10)) is None  # 19:00, same day
    assert periodic_enqueue(job=j, when=morning + dt.timedelta(hours=16)) is not None  # 01:00 next day
    assert ScheduledRun.objects.filter(job=j.name).count() == 2
    assert DBTaskResult.objects.filter(task_path="xietong.ops.tests.sample_tasks.count_me").count() == 2
    run = ScheduledRun.objects.get(slot="2026-03-01")
    assert DBTaskResult.objects.filter(pk=run.task_id).exists()


@pytest.mark.django_db
def test_the_lease_has_one_holder_until_it_expires_or_is_released():
    assert scheduler_lease_acquire(holder="a", ttl_seconds=30)
    assert not scheduler_lease_acquire(holder="b", ttl_seconds=30)
    assert scheduler_lease_acquire(holder="a", ttl_seconds=30)  # renewal
    first = SchedulerLease.objects.get()
    SchedulerLease.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert scheduler_lease_acquire(holder="b", ttl_seconds=30)
    taken = SchedulerLease.objects.get()
    assert taken.holder == "b" and taken.acquired_at >= first.acquired_at and taken.expires_at > timezone.now()
    assert not scheduler_lease_acquire(holder="a", ttl_seconds=30)
    scheduler_lease_release(holder="a")  # not the holder: nothing happens
    assert not scheduler_lease_acquire(holder="a", ttl_seconds=30)
    scheduler_lease_release(holder="b")
    assert scheduler_lease_acquire(holder="a", ttl_seconds=30)


@pytest.mark.django_db
def test_two_schedulers_one_active_and_a_slot_fired_by_both_is_enqueued_once():
    one, two = Scheduler(ttl=30, refresh=1, holder="one"), Scheduler(ttl=30, refresh=1, holder="two")
    try:
        assert one.step() is True
        assert two.step() is False
        assert one.aps.running and not two.aps.running
        upkeep = one.jobs["xietong.ops.tasks.prune_task_results"]
        assert upkeep.name in {j.id for j in one.aps.get_jobs()}
        # Even if both fired the same job (a lease handed over mid-minute), the slot holds.
        assert fire(job("minute")) is not None
        assert fire(job("minute")) is None
    finally:
        one.shutdown()
        two.shutdown()
    assert not SchedulerLease.objects.exists()  # released on shutdown


@pytest.mark.django_db(transaction=True)
def test_two_scheduler_processes_one_holds_the_lease_the_other_takes_over():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xietong.settings.test",
        "XIETONG_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
    }
    args = [sys.executable, "manage.py", "run_scheduler", "--lease-ttl", "2", "--lease-refresh", "0.3"]
    procs = [subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    try:
        end = time.monotonic() + 20
        while time.monotonic() < end and not SchedulerLease.objects.exists():
            time.sleep(0.1)
        time.sleep(1)
        lease = SchedulerLease.objects.get()
        pid = int(lease.holder.split(":")[1])
        active = next(p for p in procs if p.pid == pid)
        standby = next(p for p in procs if p.pid != pid)
        active.terminate()
        assert active.wait(10) == 0
        end = time.monotonic() + 10
        while time.monotonic() < end:
            lease = SchedulerLease.objects.filter().first()
            if lease and lease.holder.split(":")[1] == str(standby.pid):
                break
            time.sleep(0.1)
        assert lease is not None and lease.holder.split(":")[1] == str(standby.pid)
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
