"""The demo history's judicial steps, taken through this app's services (registered as the
demo steps of their transitions in apps.py). Each handler ends with the transition of its step.

- "confirm": the judge reviews the signed agreement (every item ticked) and confirms; the 民特
  ruling is recorded with its text, but its PDF is rendered on first download (its hash recorded
  then): rendering ~150 rulings would triple the demo's load time. The history's own
  "start_performance" step follows, so the service does not take it here.
- "refuse_confirmation": the judge refuses with the step's note as the reasons; the agreement is voided.
- "file": the plaintiff's filing request — by the institution's operator when the institution is the
  applicant, otherwise recorded on paper by the clerk — then the filing (民初 number); a hearing is
  scheduled two weeks later and its notice (a rendered PDF) sent for service.
- Hearing notices and judgments are rendered and served in the step's own transaction (`inline`):
  the history goes on at once; on the platform they render after the commit.
- "try": the hearing notice is recorded as delivered by post (two days after it was sent, or now), the
  hearing is marked held, and the judgment is recorded with the step's note; its PDF is rendered and
  served on the parties.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from xietong.accounts.choices import Role
from xietong.accounts.models import User
from xietong.cases.choices import PartyRole
from xietong.cases.models import Case, CaseParty

from .choices import CHECKLIST, HearingStatus, OutcomeKind, ReviewDecision
from .models import Hearing
from .services import (
    case_file_for_trial,
    confirmation_decide,
    filing_request_create,
    hearing_schedule,
    hearing_set_status,
    trial_outcome_record,
)

COURTROOM = "龙岩市新罗区人民法院普惠金融法庭（第三法庭）"

ALL_TICKED = {name: True for name, _label in CHECKLIST}  # the demo's judges tick every item


def confirm(*, case_id: int, actor: Any, note: str) -> None:
    confirmation_decide(
        actor=actor,
        case=case_id,
        decision=ReviewDecision.CONFIRM,
        reasons=note,
        start_performance=False,
        render=False,
        **ALL_TICKED,
    )


def refuse_confirmation(*, case_id: int, actor: Any, note: str) -> None:
    confirmation_decide(actor=actor, case=case_id, decision=ReviewDecision.REFUSE, reasons=note, **ALL_TICKED)


def _hearing_judge(case: Case) -> User | None:
    team_judge = (
        case.team.members.filter(role=Role.JUDGE, is_active=True).order_by("pk").first()
        if case.team is not None
        else None
    )
    return team_judge or (
        User.objects.filter(role=Role.JUDGE, organisation_id=case.court_id, is_active=True).order_by("pk").first()
    )


def file_for_trial(*, case_id: int, actor: Any, note: str) -> None:
    case = Case.objects.select_related("team").get(pk=case_id)
    applicant = CaseParty.objects.filter(case=case, role=PartyRole.APPLICANT, organisation__isnull=False).first()
    operator = (
        User.objects.filter(role=Role.INSTITUTION_OPERATOR, organisation=applicant.organisation, is_active=True)
        .order_by("pk")
        .first()
        if applicant is not None and applicant.organisation is not None
        else None
    )
    if operator is not None:
        filing_request_create(actor=operator, case=case_id, note="调解不成，申请立案")
    else:
        filing_request_create(actor=actor, case=case_id, note="原告到窗口递交书面立案申请")
    filed = case_file_for_trial(actor=actor, case=case_id, note=note)
    judge = _hearing_judge(filed)
    local = timezone.localtime() + dt.timedelta(days=14)
    starts = local.replace(hour=9, minute=30, second=0, microsecond=0)
    hearing_schedule(actor=actor, case=case_id, starts_at=starts, place=COURTROOM, judge=judge, inline=True)


def try_case(*, case_id: int, actor: Any, note: str) -> None:
    from xietong.service.choices import AttemptMethod, Outcome
    from xietong.service.models import ServedDocument
    from xietong.service.services import service_attempt_record

    case = Case.objects.get(pk=case_id)
    hearing = Hearing.objects.filter(case=case, status=HearingStatus.SCHEDULED).order_by("-pk").first()
    if hearing is None:
        hearing = hearing_schedule(
            actor=actor,
            case=case_id,
            starts_at=timezone.now() + dt.timedelta(hours=1),
            place=COURTROOM,
            judge=actor,
            inline=True,
        )
    doc = ServedDocument.objects.filter(case=case, kind="hearing_notice").order_by("-created_at", "-pk").first()
    if doc is not None:
        delivered = min(timezone.now(), doc.created_at + dt.timedelta(days=2))
        for rec in doc.records.all():
            if not rec.is_done:
                service_attempt_record(
                    actor=actor, record=rec, method=AttemptMethod.POSTAL, outcome=Outcome.DELIVERED, at=delivered
                )
    hearing_set_status(actor=actor, hearing=hearing, status=HearingStatus.HELD)
    trial_outcome_record(
        actor=actor,
        case=case_id,
        kind=OutcomeKind.JUDGMENT,
        summary=note or "被告应偿还原告借款本息",
        amount_awarded=case.total,
        inline=True,
    )
