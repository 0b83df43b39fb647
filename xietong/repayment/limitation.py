"""The limitation period to apply for enforcement (Civil Procedure Law, art. 250), written to: what
interrupts it and the creditor's warnings. Reads are `selectors.limitation_clock(s)`.

- Two years from the day performance was due: for a plan, its last instalment's due date; for a
  judgment or in-court settlement without a schedule, ten days after it takes effect (15 + 10 days after
  it is given). A part payment or a written acknowledgement of the debt interrupts it: it runs again,
  whole, from that day. Each interruption that moves the end is a timeline event.
- The creditor or the court records an acknowledgement (`debt_acknowledge`).
- The daily job warns the creditor at 90, 30 and 7 days before the end (`limitation_warnings_send`):
  the timeline, a webhook `limitation.warning`, an e-mail to its operators; once per threshold and end
  date (a unique row), so running it again sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.choices import Role
from xietong.accounts.models import User
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, actor_ref, audit_record
from xietong.cases.choices import CaseState
from xietong.cases.models import Case
from xietong.cases.services import case_event_record, case_lock
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.notifications.services import email_send
from xietong.webhooks.services import case_event_emit

from .links import case_repayment_link
from .models import Acknowledgement, LimitationNotice
from .rules import LIMITATION_WARNINGS
from .selectors import limitation_clock, limitation_clocks

logger = logging.getLogger(__name__)

EVENT_LIMITATION_WARNING = "limitation.warning"
ACKNOWLEDGEABLE = frozenset({CaseState.PERFORMING, CaseState.TRIED})


def interruption_note(case: Case, *, on: dt.date, cause: str, at: dt.datetime | None = None) -> None:
    """After a payment or an acknowledgement: if the period now runs again from `on`, say so on the timeline."""
    clock = limitation_clock(case)
    if clock is None or clock.restarted_on != on:
        return
    case_event_record(
        case,
        actor=SYSTEM,
        kind="limitation_interrupted",
        note=_("The time limit to apply for enforcement runs again from %(on)s (%(cause)s): it ends on %(ends)s.")
        % {"on": on.isoformat(), "cause": cause, "ends": clock.ends.isoformat()},
        data={"on": on.isoformat(), "ends": clock.ends.isoformat(), "cause": cause},
        at=at,
    )


@transaction.atomic
def debt_acknowledge(
    *, actor: Any, case: Case | int, acknowledged_on: dt.date, note: str, today: dt.date | None = None
) -> Acknowledgement:
    """The creditor or the court records that the debtor acknowledged the debt in writing."""
    locked = case_lock(case)
    if not Case.objects.restrict(actor).filter(pk=locked.pk).exists():
        raise NotFound(_("No such case."))
    if not may(actor, "repayment.acknowledge_debt", locked):
        raise NotAllowed(_("Only the creditor or the court records an acknowledgement of the debt."), code="role")
    if locked.state not in ACKNOWLEDGEABLE:
        raise DomainError(
            _("An acknowledgement matters once the case is being repaid or has a judgment (it is %(state)s).")
            % {"state": CaseState(locked.state).label},
            code="illegal_state",
        )
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say what the debtor signed (e.g. a letter promising to repay)."), code="note_required")
    today = today or timezone.localdate()
    if not isinstance(acknowledged_on, dt.date):
        raise DomainError(_("Give the date of the acknowledgement."), code="acknowledged_on")
    if acknowledged_on > today:
        raise DomainError(
            _("The date %(date)s is in the future.") % {"date": acknowledged_on.isoformat()}, code="date_future"
        )
    if acknowledged_on < timezone.localdate(locked.submitted_at):
        raise DomainError(_("The date is before the case was opened."), code="date_too_early")
    ack = Acknowledgement.objects.create(
        case=locked, acknowledged_on=acknowledged_on, note=note, recorded_by_label=actor_ref(actor).label[:200]
    )
    case_event_record(
        locked,
        actor=actor,
        kind="debt_acknowledged",
        note=_("The debtor acknowledged the debt in writing on %(date)s: %(note)s")
        % {"date": acknowledged_on.isoformat(), "note": note},
        data={"acknowledgement": ack.pk, "on": acknowledged_on.isoformat()},
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_ACKNOWLEDGEMENT,
        obj=ack,
        after={"case": locked.number, "on": acknowledged_on.isoformat(), "note": note},
    )
    interruption_note(locked, on=acknowledged_on, cause=_("an acknowledgement of the debt"))
    return ack


def _operators(case: Case) -> list[User]:
    if case.institution_id is None:
        return []
    return list(
        User.objects.filter(
            role=Role.INSTITUTION_OPERATOR, organisation_id=case.institution_id, is_active=True
        ).exclude(email="")
    )


def limitation_warnings_send(*, now: dt.datetime | None = None) -> int:
    """Warn the creditors whose time limit to apply for enforcement ends within 90, 30 or 7 days: once per
    threshold and end date. Returns how many warnings were sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids = list(
        Case.objects.filter(state__in=[CaseState.PERFORMING, CaseState.TRIED])
        .exclude(institution=None)
        .values_list("pk", flat=True)
    )
    sent = 0
    for start in range(0, len(ids), 1000):
        clocks = limitation_clocks(ids[start : start + 1000], today=today)
        for case_id, clock in clocks.items():
            if clock.warning not in LIMITATION_WARNINGS:
                continue
            if LimitationNotice.objects.filter(case_id=case_id, threshold=clock.warning, ends=clock.ends).exists():
                continue
            try:
                sent += _warn(case_id, clock.warning, clock.ends, clock.days_left, now)
            except Exception:
                logger.exception("limitation warning for case %s failed", case_id)
    return sent


@transaction.atomic
def _warn(case_id: int, threshold: int, ends: dt.date, days_left: int, now: dt.datetime) -> int:
    case = case_lock(case_id)
    people = _operators(case)
    try:
        with transaction.atomic():
            notice = LimitationNotice.objects.create(
                case=case, threshold=threshold, ends=ends, sent_at=now, recipients=len(people)
            )
    except IntegrityError:  # a twin run sent it a moment ago
        return 0
    case_event_record(
        case,
        actor=SYSTEM,
        kind="limitation_warning",
        note=_("%(days)s days left to apply for enforcement: the time limit ends on %(ends)s. The creditor was told.")
        % {"days": days_left, "ends": ends.isoformat()},
        data={"threshold": threshold, "ends": ends.isoformat(), "notice": notice.pk},
        at=min(now, timezone.now()),
    )
    audit_record(
        actor=SYSTEM,
        action=AuditAction.REPAYMENT_FOLLOWUP,
        obj=notice,
        after={"case": case.number, "threshold": threshold, "ends": ends.isoformat(), "recipients": len(people)},
    )
    case_event_emit(
        case_id=case.pk,
        event_type=EVENT_LIMITATION_WARNING,
        data={"threshold_days": threshold, "days_left": days_left, "ends": ends.isoformat()},
    )
    subject = _("Case %(number)s: %(days)s days left to apply for enforcement") % {
        "number": case.number,
        "days": days_left,
    }
    text = _(
        "The time limit to apply for enforcement in case %(number)s ends on %(ends)s (%(days)s days left). "
        "Apply in Xietong: %(link)s"
    ) % {"number": case.number, "ends": ends.isoformat(), "days": days_left, "link": case_repayment_link(case)}
    for user in people:
        email_send(to=user.email, subject=subject, text=text)
    return 1
