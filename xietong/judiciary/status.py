"""The judiciary's section of the case's status document (`xietong/cases/status.py`): the hearing
scheduled for a filed case — when (in the court's time zone), where, whether online — and the document's
`next` names it.

Nothing personal and nothing that opens a door: no judge's name and no online link (the parties have
them in the served notice); `online` says whether one was given. Registered in `JudiciaryConfig.ready()`.
Every change of a hearing (scheduled, held, adjourned, cancelled) records a timeline event after the
hearing is written, and the document is rebuilt with each event; recording the trial's outcome cancels
a hearing still scheduled (`trial_outcome_record`), and a case that is tried leaves the filed state, so a
hearing is shown only while its case waits for it.
A rescheduling is an adjournment (or cancellation) and a new hearing: two events.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from xietong.cases.choices import CaseState
from xietong.cases.schemas import StatusNextOut
from xietong.cases.status import Labels

from .choices import HearingStatus
from .models import Hearing

HEARING = _("Hearing")


class HearingStatusOut(Schema):
    starts_at: dt.datetime = Field(description="When it starts, with the court's UTC offset")
    time_zone: str = Field(description="The court's time zone (IANA name), in which `starts_at` is written")
    place: str | None = Field(description="The courtroom or address; null when it is held online only")
    online: bool = Field(description="Held online (the link is in the hearing notice served on the parties)")
    next: StatusNextOut


def hearing_status_sections(case_ids: list[int]) -> Mapping[int, Mapping[str, Any]]:
    """The section of each filed case with a hearing scheduled (one query for all of them)."""
    rows = (
        Hearing.objects.filter(case_id__in=case_ids, status=HearingStatus.SCHEDULED, case__state=CaseState.FILED)
        .order_by("case_id", "starts_at", "pk")
        .values_list("case_id", "starts_at", "place", "online_link")
    )
    court_zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    labels = Labels()
    sections: dict[int, dict[str, Any]] = {}
    for case_id, starts_at, place, online_link in rows:
        if case_id in sections:
            continue  # one scheduled at a time (`hearing_schedule`); the earliest if ever more
        local = starts_at.astimezone(court_zone)
        sections[case_id] = {
            "starts_at": local,
            "time_zone": settings.TIME_ZONE,
            "place": place or None,
            "online": bool(online_link),
            "next": {
                "kind": "hearing",
                "label": labels.of("next", "hearing", HEARING),
                "on": local.date(),
                "at": local,
            },
        }
    return sections
