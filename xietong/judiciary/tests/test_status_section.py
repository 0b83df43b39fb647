"""The judiciary's section of the case's status document: the hearing scheduled for a filed case, and the
document's `next`; current after each change of the hearing (scheduled, adjourned and scheduled anew,
cancelled, held, the trial's outcome), answered by the status call with a new ETag each time."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.utils import timezone

from tests.support.judiciary import schedule_hearing, serve_hearing_notice
from tests.support.status import status_polled, stored_body
from xietong.cases.models import CaseStatusDoc
from xietong.cases.status import status_docs_stale
from xietong.judiciary.choices import HearingStatus, OutcomeKind
from xietong.judiciary.services import hearing_schedule, hearing_set_status, trial_outcome_record

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_a_case_without_a_hearing_has_no_section(world, filed):
    body = stored_body(filed)
    assert body["hearing"] is None and body["next"] is None


def test_schedule_reschedule_cancel(world, filed):
    clerk, judge = world.users["clerk"], world.users["judge"]
    first = status_polled(world, filed)
    assert first.json()["hearing"] is None

    hearing = schedule_hearing(filed, clerk, judge, days=7)
    body = stored_body(filed)
    local = hearing.starts_at.astimezone(SHANGHAI)
    starts_at = dt.datetime.fromisoformat(body["hearing"]["starts_at"])
    assert starts_at == local.replace(microsecond=local.microsecond // 1000 * 1000)  # to the millisecond
    assert starts_at.utcoffset() == dt.timedelta(hours=8)
    assert body["hearing"] == {
        "starts_at": body["hearing"]["starts_at"],
        "time_zone": "Asia/Shanghai",
        "place": "龙岩市新罗区人民法院第三法庭",
        "online": False,
        "next": body["next"],
    }
    assert body["next"]["kind"] == "hearing" and body["next"]["on"] == local.date().isoformat()
    assert body["next"]["at"] == body["hearing"]["starts_at"]
    assert body["next"]["label"] == {"zh-hans": "开庭", "en": "Hearing"}
    assert filed.events.filter(kind="hearing_scheduled").exists()  # then the notice is sent: its own event
    scheduled = status_polled(world, filed, first["ETag"])
    assert scheduled.status_code == 200 and scheduled.json() == body
    assert status_polled(world, filed, scheduled["ETag"]).status_code == 304  # nothing changed since

    # Rescheduled: the hearing is adjourned and a new one scheduled, later and online.
    hearing_set_status(actor=clerk, hearing=hearing, status=HearingStatus.ADJOURNED, note="被告申请延期")
    assert stored_body(filed)["hearing"] is None and stored_body(filed)["next"] is None
    later = (
        (timezone.now() + dt.timedelta(days=20))
        .astimezone(SHANGHAI)
        .replace(hour=9, minute=30, second=0, microsecond=0)
    )
    hearing_schedule(
        actor=clerk, case=filed, starts_at=later, online_link="https://court.example.org/room/1", judge=judge
    )
    body = stored_body(filed)
    assert body["hearing"]["starts_at"] == later.isoformat()  # 9:30 at the court, as scheduled
    assert body["hearing"]["place"] is None and body["hearing"]["online"] is True
    assert "court.example.org" not in json.dumps(body)  # the link is in the notice, not in a polled document
    assert body["next"]["on"] == later.date().isoformat()
    rescheduled = status_polled(world, filed, scheduled["ETag"])
    assert rescheduled.status_code == 200 and rescheduled["ETag"] != scheduled["ETag"]

    hearing_set_status(actor=clerk, hearing=filed.hearings.get(status="scheduled"), status="cancelled", note="撤销")
    body = stored_body(filed)
    assert body["hearing"] is None and body["next"] is None
    assert body["latest_step"]["kind"] == "hearing_cancelled"
    assert status_polled(world, filed, rescheduled["ETag"]).json() == body
    assert status_docs_stale() == []


def test_a_held_hearing_is_gone_and_so_is_one_left_scheduled_when_the_case_is_tried(world, filed):
    clerk, judge = world.users["clerk"], world.users["judge"]
    hearing = schedule_hearing(filed, clerk, judge)
    serve_hearing_notice(filed, clerk)
    hearing_set_status(actor=judge, hearing=hearing, status=HearingStatus.HELD)
    assert stored_body(filed)["hearing"] is None

    # A new hearing, then the suit is withdrawn: the case leaves the filed state, the hearing is not next.
    hearing = schedule_hearing(filed, clerk, judge)
    serve_hearing_notice(filed, clerk)
    assert stored_body(filed)["hearing"] is not None
    trial_outcome_record(actor=judge, case=filed, kind=OutcomeKind.WITHDRAWAL, summary="原告撤回起诉")
    body = stored_body(filed)
    assert body["state"] == "closed" and body["hearing"] is None and body["next"] is None
    assert status_docs_stale() == []


def test_the_body_with_a_hearing_is_what_the_openapi_document_describes(world, filed):
    from xietong.cases.api import status_schema

    schedule_hearing(filed, world.users["clerk"], world.users["judge"])
    status_schema().model_validate_json(CaseStatusDoc.objects.get(pk=filed.pk).body)
