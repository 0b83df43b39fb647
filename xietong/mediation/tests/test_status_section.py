"""The mediation's section of the case's status document: the next mediation session of a case in
mediation, and the document's `next`; current after each change (scheduled, a second one earlier,
cancelled, held, the case leaving mediation), answered by the status call with a new ETag each time."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from tests.support.status import status_polled, stored_body
from xietong.cases.models import CaseStatusDoc
from xietong.cases.services import case_transition
from xietong.cases.status import status_docs_stale
from xietong.mediation.choices import SessionStatus
from xietong.mediation.services import session_schedule, session_set_status

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(days: int, hour: int) -> dt.datetime:
    day = (timezone.now() + dt.timedelta(days=days)).astimezone(SHANGHAI)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def test_the_next_session_is_in_the_document_until_it_is_held_or_the_case_moves_on(world, mediating):
    mediator = world.users["mediator"]
    first = status_polled(world, mediating)
    assert first.status_code == 200 and first.json()["mediation_session"] is None

    later = session_schedule(actor=mediator, case=mediating, starts_at=at(9, 15), mode="in_person", place="第一调解室")
    body = stored_body(mediating)
    assert body["mediation_session"] == {
        "starts_at": at(9, 15).isoformat(),
        "duration_minutes": 60,
        "time_zone": "Asia/Shanghai",
        "place": "第一调解室",
        "online": False,
        "next": body["next"],
    }
    assert body["next"] == {
        "kind": "mediation_session",
        "label": {"zh-hans": "调解会议", "en": "Mediation session"},
        "on": at(9, 15).date().isoformat(),
        "at": at(9, 15).isoformat(),
    }
    scheduled = status_polled(world, mediating, first["ETag"])
    assert scheduled.status_code == 200 and scheduled.json() == body
    assert status_polled(world, mediating, scheduled["ETag"]).status_code == 304

    # A second session, earlier and online: it is the next one; the link is not in the document.
    sooner = session_schedule(
        actor=mediator, case=mediating, starts_at=at(3, 10), mode="online", meeting_link="https://meet.example/r/7"
    )
    body = stored_body(mediating)
    assert body["mediation_session"]["online"] is True and body["mediation_session"]["place"] is None
    assert body["next"]["at"] == at(3, 10).isoformat()
    assert "meet.example" not in CaseStatusDoc.objects.get(pk=mediating.pk).body

    session_set_status(actor=mediator, session=sooner, status=SessionStatus.HELD)
    assert stored_body(mediating)["next"]["at"] == at(9, 15).isoformat()
    session_set_status(actor=mediator, session=later, status=SessionStatus.CANCELLED, note="当事人改期")
    assert stored_body(mediating)["mediation_session"] is None and stored_body(mediating)["next"] is None

    # A session left scheduled when the case leaves mediation is no longer the case's next step.
    session_schedule(actor=mediator, case=mediating, starts_at=at(5, 9), mode="in_person", place="第二调解室")
    assert stored_body(mediating)["mediation_session"] is not None
    case_transition(case=mediating, code="withdraw", actor=world.users["admin"], note="申请人撤回")
    assert stored_body(mediating)["mediation_session"] is None and stored_body(mediating)["next"] is None
    assert status_docs_stale() == []
