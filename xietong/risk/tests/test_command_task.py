"""The daily run on demand and as a task: idempotent per day."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from xietong.audit.services import SYSTEM
from xietong.risk.models import DailyCount, RiskWarning, WarningNotice
from xietong.risk.services import named_respondent_record
from xietong.risk.tasks import risk_detect_daily

from .test_services import TODAY, dispute, villager


@pytest.mark.django_db
def test_the_command_and_the_task_run_again_change_nothing(world):
    for i in range(6):
        named_respondent_record(actor=SYSTEM, case=dispute(world, villager(90 + i)), name="某某理财工作室")
    out = StringIO()
    call_command("risk_detect", day=TODAY.isoformat(), days=2, stdout=out)
    assert "warnings raised" in out.getvalue()
    state = (
        sorted(DailyCount.objects.values_list("day", "dimension", "key", "cases")),
        sorted(RiskWarning.objects.values_list("dimension", "key", "detector", "severity")),
        WarningNotice.objects.count(),
    )
    assert state[1] and state[2] == len(state[1])
    call_command("risk_detect", day=TODAY.isoformat(), days=2, stdout=StringIO())
    risk_detect_daily.call(day=TODAY.isoformat())
    assert (
        sorted(DailyCount.objects.values_list("day", "dimension", "key", "cases")),
        sorted(RiskWarning.objects.values_list("dimension", "key", "detector", "severity")),
        WarningNotice.objects.count(),
    ) == state


@pytest.mark.django_db
def test_the_command_refuses_a_bad_day(world):
    with pytest.raises(CommandError):
        call_command("risk_detect", day="30/11/2026", stdout=StringIO())
