"""The mediation's section of the case's status document (`xietong/cases/status.py`): the next mediation
session of a case in mediation — when (in the court's time zone), where, whether online — and the
document's `next` names it, so that a bank polling its cases knows when its staff must attend.

Nothing personal and nothing that opens a door: no mediator's name and no meeting link (the parties have
them from the mediator); `online` says whether the session is held online. Registered in
`MediationConfig.ready()`. Scheduling a session, marking it held or cancelled, and the case's own steps
each record a timeline event after the change, and the document is rebuilt with each event; a session is
shown only while its case is triaged or in mediation (where sessions are scheduled) and the session is
still scheduled — the earliest of them when there are several. Like a hearing, a session the mediator has
not yet marked held stays shown until they do: the document changes with the case, not with the clock.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from xietong.cases.schemas import StatusNextOut
from xietong.cases.status import Labels

from .choices import SessionMode, SessionStatus
from .models import MediationSession
from .services import WORK_STATES

SESSION = _("Mediation session")


class MediationSessionStatusOut(Schema):
    starts_at: dt.datetime = Field(description="When it starts, with the court's UTC offset")
    duration_minutes: int = Field(description="How long it is planned to last, in minutes")
    time_zone: str = Field(description="The court's time zone (IANA name), in which `starts_at` is written")
    place: str | None = Field(description="The address of a session in person; null for one held online")
    online: bool = Field(description="Held online (the parties have the meeting link from the mediator)")
    next: StatusNextOut


def mediation_status_sections(case_ids: list[int]) -> Mapping[int, Mapping[str, Any]]:
    """The section of each case in mediation with a session scheduled (one query for all of them)."""
    rows = (
        MediationSession.objects.filter(
            case_id__in=case_ids, status=SessionStatus.SCHEDULED, case__state__in=sorted(WORK_STATES)
        )
        .order_by("case_id", "starts_at", "pk")
        .values_list("case_id", "starts_at", "duration_minutes", "mode", "place")
    )
    court_zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    labels = Labels()
    sections: dict[int, dict[str, Any]] = {}
    for case_id, starts_at, minutes, mode, place in rows:
        if case_id in sections:
            continue  # the earliest scheduled session
        local = starts_at.astimezone(court_zone)
        online = mode == SessionMode.ONLINE
        sections[case_id] = {
            "starts_at": local,
            "duration_minutes": minutes,
            "time_zone": settings.TIME_ZONE,
            "place": None if online else place,
            "online": online,
            "next": {
                "kind": "mediation_session",
                "label": labels.of("next", "mediation_session", SESSION),
                "on": local.date(),
                "at": local,
            },
        }
    return sections
