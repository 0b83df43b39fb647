from __future__ import annotations

import datetime as dt

import pytest

from xietong.cases.services import case_start_mediation
from xietong.notifications.backends import LocmemSmsBackend


@pytest.fixture
def outbox():
    LocmemSmsBackend.outbox.clear()
    return LocmemSmsBackend.outbox


def make_performing(world, case, capture, *, months: int = 3):
    """Mediated, signed (3 instalments from today + 30 days), confirmed (民特), repaying: the plan is
    made by the repayment app's transition receiver after the confirmation commits."""
    from tests.support.agreements import agreement_make_signed
    from tests.support.judiciary import confirm_case
    from xietong.audit.services import SYSTEM
    from xietong.cases.choices import CaseState
    from xietong.cases.services import case_assign_mediator, case_triage

    case.refresh_from_db()
    if case.state == CaseState.SUBMITTED:
        case_triage(case=case, actor=SYSTEM)
    if case.mediator_id is None:
        case_assign_mediator(case=case, actor=world.users["clerk"], mediator=world.users["mediator"])
    case_start_mediation(case=case, actor=world.users["mediator"])
    agreement_make_signed(case, world.users["mediator"], months=months)
    with capture(execute=True):
        confirm_case(case, world.users["judge"], start_performance=True)
    case.refresh_from_db()
    return case


@pytest.fixture
def performing(world, django_capture_on_commit_callbacks):
    return make_performing(world, world.cases["bank"], django_capture_on_commit_callbacks)


def at(day: dt.date, hour: int, tz: str = "Asia/Shanghai") -> dt.datetime:
    import zoneinfo

    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=zoneinfo.ZoneInfo(tz))
