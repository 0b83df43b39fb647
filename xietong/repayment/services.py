"""Writes for repayment: the plan from the confirmed agreement, payments, the daily follow-up,
completion, default, and enforcement applied for by the creditor.

Every write locks the case (then the plan), records the timeline and the audit trail in the same
transaction; messages and webhooks leave after it commits (notifications.sms_send,
webhooks.case_event_emit). A refused request changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from xietong.accounts.choices import Role
from xietong.accounts.models import ApiClient, User
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, actor_ref, audit_record
from xietong.cases.choices import CaseState, PartyRole
from xietong.cases.models import Case, CaseParty
from xietong.cases.services import case_event_record, case_lock, case_transition, waiver_check
from xietong.cases.status import case_status_refresh
from xietong.core.errors import Conflict, DomainError, NotAllowed, NotFound
from xietong.core.masking import mask_phone
from xietong.core.messages import message
from xietong.core.money import money_parse
from xietong.core.timezones import zone_message
from xietong.notifications.services import sms_send
from xietong.webhooks.services import case_event_emit

from .choices import (
    EVENT_INSTALMENT_MISSED,
    EVENT_INSTALMENT_PAID,
    EVENT_PLAN_COMPLETED,
    EVENT_PLAN_DEFAULTED,
    MAX_REMINDERS,
    OPEN_PLAN_STATUSES,
    ApplicationStatus,
    BasisKind,
    EnforcementResult,
    InstalmentState,
    PaymentSource,
    PlanStatus,
    ReminderKind,
)
from .links import case_link, debtor_link
from .models import (
    EnforcementApplication,
    Payment,
    PaymentFile,
    PlanInstalment,
    Reminder,
    RepaymentPlan,
    Waiver,
)
from .rules import Owed, allocate, debtor_zone, instalment_state, plan_defaults, quiet_hours, reminder_due
from .selectors import (
    application_open,
    basis_amount,
    case_paid,
    case_waived,
    enforceable_basis,
    may_report_payments,
    plan_current,
)

logger = logging.getLogger(__name__)

UNPAID = frozenset(
    {
        InstalmentState.SCHEDULED,
        InstalmentState.DUE,
        InstalmentState.PART_PAID,
        InstalmentState.LATE,
        InstalmentState.MISSED,
    }
)


def _lock_plan(plan: RepaymentPlan | int) -> RepaymentPlan:
    pk = plan.pk if isinstance(plan, RepaymentPlan) else plan
    locked = RepaymentPlan.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound(_("No such repayment plan."))
    return locked


def _instalments(plan: RepaymentPlan) -> list[PlanInstalment]:
    return list(PlanInstalment.objects.select_for_update().filter(plan=plan).order_by("seq"))


def _state_for(plan: RepaymentPlan, i: PlanInstalment, today: dt.date) -> str:
    current = i.state
    if current == InstalmentState.SUSPENDED and plan.status != PlanStatus.SUSPENDED:
        current = InstalmentState.SCHEDULED  # the suspension ended: the rules apply again
    state = instalment_state(
        current=current,
        due_date=i.effective_due(plan),
        amount=i.amount,
        paid=i.paid,
        today=today,
        grace_days=plan.grace_days,
        waived=i.waived,
    )
    if plan.status == PlanStatus.SUSPENDED and state not in (InstalmentState.PAID, InstalmentState.WAIVED):
        return InstalmentState.SUSPENDED
    accelerated = plan.status == PlanStatus.DEFAULTED and plan.accelerate
    if accelerated and state in (InstalmentState.SCHEDULED, InstalmentState.PART_PAID):
        return InstalmentState.DUE  # the whole balance fell due on default
    return state


# The plan ------------------------------------------------------------------------------------


# A judgment's or an in-court settlement's schedule has no grace period: an instalment not paid on its day
# is missed, and then the whole balance may be enforced (the wording the judgment's PDF uses).
JUDGMENT_TERMS = {"grace_days": 0, "default_after_missed": 1, "accelerate": True}


@transaction.atomic
def plan_create(*, case: Case | int, today: dt.date | None = None) -> RepaymentPlan | None:
    """The system makes the case's plan once it has an enforceable basis (once; a second call returns
    the plan): from the signed agreement the 民特 ruling confirmed, or from the payment schedule of the
    judgment (民初) or the settlement in court. None when there is nothing to make it from yet."""
    from xietong.agreements.selectors import agreement_signed_for_case
    from xietong.judiciary.models import TrialOutcome

    locked = case_lock(case)
    existing = plan_current(locked)
    if existing is not None:
        return existing
    basis = enforceable_basis(locked)
    if basis is None:
        return None
    today = today or timezone.localdate()
    source: dict[str, Any]
    if basis[0] == BasisKind.CONFIRMATION:
        agreement = agreement_signed_for_case(locked)
        if agreement is None:
            return None
        schedule = [(i.due_date, i.amount) for i in agreement.instalments.all().order_by("seq")]
        terms = {
            "grace_days": agreement.grace_days,
            "default_after_missed": agreement.default_after_missed,
            "accelerate": agreement.accelerate,
        }
        total = agreement.agreed
        note = message(
            gettext_noop("%(total)s yuan in %(n)d instalments, from version %(v)d of the agreement (%(basis)s)."),
            total=total,
            n=len(schedule),
            v=agreement.version,
            basis=basis[1],
        )
        source = {"agreement": agreement.pk}
    else:
        outcome = TrialOutcome.objects.filter(case=locked).first()
        if outcome is None or not outcome.schedule or not outcome.amount_awarded:
            return None
        schedule = [(dt.date.fromisoformat(d), Decimal(a)) for d, a in outcome.schedule]
        terms = dict(JUDGMENT_TERMS)
        total = outcome.amount_awarded
        agreement = None
        note = message(
            gettext_noop("%(total)s yuan in %(n)d instalment(s), on the schedule of %(basis)s."),
            total=total,
            n=len(schedule),
            basis=basis[1],
        )
        source = {"outcome": outcome.pk}
    plan = RepaymentPlan.objects.create(
        case=locked,
        version=1,
        agreement=agreement,
        basis_kind=basis[0],
        basis_number=basis[1],
        total=total,
        **terms,
    )
    rows = [PlanInstalment(plan=plan, seq=n, due_date=d, amount=a) for n, (d, a) in enumerate(schedule, start=1)]
    for row in rows:
        row.state = _state_for(plan, row, today)
    PlanInstalment.objects.bulk_create(rows)
    case_event_record(
        locked,
        actor=SYSTEM,
        kind="repayment_plan_created",
        note=note,
        data={"plan": plan.pk, "total": str(plan.total), "instalments": len(rows), "basis": basis[0]},
    )
    audit_record(
        actor=SYSTEM,
        action=AuditAction.REPAYMENT_PLAN,
        obj=plan,
        after={
            "case": locked.number,
            **source,
            "total": plan.total,
            "basis": plan.basis_number,
            "terms": terms,
            "instalments": [[r.due_date.isoformat(), str(r.amount)] for r in rows],
        },
    )
    return plan


def on_case_transition(case_id: int, code: str, from_state: str, to_state: str) -> None:
    """The case's transition receiver: a confirmed case, or a judgment with a payment schedule, gets its
    plan (after the transition commits)."""
    if code not in ("confirm", "start_performance"):
        return
    try:
        plan_create(case=case_id)
    except Exception:  # never break the confirming request; the daily job tries again
        logger.exception("repayment plan for case %s could not be made", case_id)


# Payments ------------------------------------------------------------------------------------


def _reporter_fields(actor: Any) -> dict[str, Any]:
    return {
        "reported_by": actor if isinstance(actor, User) else None,
        "reported_by_api_client": actor if isinstance(actor, ApiClient) else None,
        "reported_by_label": actor_ref(actor).label[:200],
    }


def _paid_event(plan: RepaymentPlan, i: PlanInstalment) -> dict[str, Any]:
    return {
        "plan_id": plan.pk,
        "seq": i.seq,
        "due_date": i.due_date.isoformat(),
        "amount": str(i.amount),
        "paid": str(i.paid),
        "state": i.state,
        "balance": str(plan.balance),
    }


@transaction.atomic
def payment_report(
    *,
    actor: Any,
    case: Case | int,
    paid_on: dt.date,
    amount: Decimal | str,
    reference: str,
    today: dt.date | None = None,
    recorded_at: dt.datetime | None = None,
) -> Payment:
    """The creditor reports a payment it received: settled on the oldest unpaid instalment first.
    (`today` and `recorded_at`: the day and time it is reported, for the demo's replayed history.)"""
    locked = case_lock(case)
    if not Case.objects.restrict(actor).filter(pk=locked.pk).exists():
        raise NotFound(_("No such case."))
    if not may_report_payments(actor, locked):
        raise NotAllowed(_("Only the creditor institution of the case reports its payments."), code="not_creditor")
    return payment_record(
        actor=actor,
        case=locked,
        paid_on=paid_on,
        amount=amount,
        reference=reference,
        today=today,
        recorded_at=recorded_at,
    )


def payment_record(
    *,
    actor: Any,
    case: Case,
    paid_on: dt.date,
    amount: Decimal | str,
    reference: str,
    today: dt.date | None = None,
    source: str = PaymentSource.REPORTED,
    payment_file: PaymentFile | None = None,
    recorded_at: dt.datetime | None = None,
) -> Payment:
    """Record a payment on the locked case's plan, every check made (callers have checked who may):
    allocated oldest first, on the timeline and in the audit trail; the last fen completes the plan."""
    value = money_parse(amount, _("Amount"))
    if value <= 0:
        raise DomainError(_("A payment must be more than zero."), code="amount_not_positive")
    today = today or timezone.localdate()
    if not isinstance(paid_on, dt.date):
        raise DomainError(_("Give the date of the payment."), code="paid_on")
    if paid_on > today:
        raise DomainError(
            _("The payment date %(date)s is in the future.") % {"date": paid_on.isoformat()}, code="paid_on_future"
        )
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(_("Give your reference for the payment."), code="reference_required")
    if len(reference) > 64:
        raise DomainError(_("The reference has at most 64 characters."), code="reference_too_long")
    current = plan_current(case)
    if current is None:
        raise DomainError(_("The case has no repayment plan."), code="no_plan")
    plan = _lock_plan(current)
    if plan.status not in OPEN_PLAN_STATUSES or case.state != CaseState.PERFORMING:
        raise DomainError(
            _("The repayment plan is closed (%(status)s): no more payments are recorded on it.")
            % {"status": PlanStatus(plan.status).label},
            code="plan_closed",
        )
    if paid_on < earliest_payment_date(plan):
        raise DomainError(_("The payment date is long before the plan."), code="paid_on_too_early")
    if Payment.objects.filter(case=case, reference=reference).exists():
        raise Conflict(
            _("A payment with the reference %(ref)s is already recorded: nothing was changed.") % {"ref": reference},
            code="payment_duplicate",
        )
    assert case.institution_id is not None  # a case with a plan has its creditor
    instalments = _instalments(plan)
    owed = [
        Owed(seq=i.seq, due_date=i.due_date, outstanding=i.outstanding)
        for i in instalments
        if i.state != InstalmentState.WAIVED
    ]
    parts = allocate(owed, value)
    by_seq = {i.seq: i for i in instalments}
    newly_paid: list[PlanInstalment] = []
    for seq, part in parts:
        i = by_seq[seq]
        i.paid += part
        if i.outstanding == 0:
            i.paid_on = paid_on
            newly_paid.append(i)
        i.state = _state_for(plan, i, today)
    PlanInstalment.objects.bulk_update([by_seq[s] for s, _p in parts], ["paid", "paid_on", "state"])
    before = {"paid": plan.paid, "status": plan.status}
    plan.paid += value
    plan.save(update_fields=["paid"])
    payment = Payment.objects.create(
        plan=plan,
        case=case,
        institution_id=case.institution_id,
        paid_on=paid_on,
        amount=value,
        reference=reference,
        allocation=[{"seq": s, "amount": str(p)} for s, p in parts],
        source=source,
        payment_file=payment_file,
        created_at=min(recorded_at or timezone.now(), timezone.now()),
        **_reporter_fields(actor),
    )
    case_event_record(
        case,
        actor=actor,
        kind="payment_reported",
        note=(
            message(
                gettext_noop("%(amount)s yuan paid on %(date)s; balance %(balance)s yuan."),
                amount=value,
                date=paid_on.isoformat(),
                balance=plan.balance,
            )
            if source == PaymentSource.REPORTED
            else message(
                gettext_noop("%(amount)s yuan paid on %(date)s; balance %(balance)s yuan (%(source)s)."),
                amount=value,
                date=paid_on.isoformat(),
                balance=plan.balance,
                source=PaymentSource(source).label,
            )
        ),
        data={"payment": payment.pk, "amount": str(value), "allocation": payment.allocation, "source": source},
        at=payment.created_at,
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_PAYMENT,
        obj=payment,
        before=before,
        after={
            "paid": plan.paid,
            "amount": value,
            "paid_on": paid_on.isoformat(),
            "reference": reference,
            "allocation": payment.allocation,
            "source": source,
            **({"payment_file": payment_file.pk} if payment_file else {}),
        },
    )
    for i in newly_paid:
        case_event_emit(case_id=case.pk, event_type=EVENT_INSTALMENT_PAID, data=_paid_event(plan, i))
    if plan.balance == 0:
        _complete(case, plan)
    elif instalments and paid_on > max(i.due_date for i in instalments):
        # paid after the last due date: the time limit to apply for enforcement runs again from it
        from .limitation import interruption_note

        interruption_note(case, on=paid_on, cause=_("a part payment"))
    return payment


def earliest_payment_date(plan: RepaymentPlan) -> dt.date:
    """A payment dated more than a year before the plan was made is a mistake."""
    return timezone.localdate(plan.created_at) - dt.timedelta(days=366)


def waived_so_far(case: Case) -> Decimal:
    """What the creditor has given up on this case: the waiver of the agreement it signed (interest and
    penalty), and every instalment waived since, in every version of the plan."""
    from django.db.models import Sum

    first = RepaymentPlan.objects.filter(case=case).select_related("agreement").order_by("version").first()
    signed = first.agreement.waived if first is not None and first.agreement is not None else Decimal("0.00")
    later = Waiver.objects.filter(case=case).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    return (signed + Decimal(later)).quantize(Decimal("0.01"))


@transaction.atomic
def instalment_waive(
    *,
    actor: Any,
    case: Case | int,
    seq: int,
    amount: Decimal | str,
    reason: str,
    today: dt.date | None = None,
) -> Waiver:
    """The creditor gives up (part of) what an instalment still owes, with a reason. The case's waivers
    together stay within the one rule (cases.services.waiver_check: interest and penalty, never the
    principal); the last fen waived completes the plan like the last fen paid."""
    locked = case_lock(case)
    if not Case.objects.restrict(actor).filter(pk=locked.pk).exists():
        raise NotFound(_("No such case."))
    if not may_report_payments(actor, locked):
        raise NotAllowed(_("Only the creditor institution of the case waives what is owed to it."), code="not_creditor")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the waiver."), code="note_required")
    value = money_parse(amount, _("Amount"))
    if value <= 0:
        raise DomainError(_("The amount waived must be more than zero."), code="amount_not_positive")
    current = plan_current(locked)
    if current is None:
        raise DomainError(_("The case has no repayment plan."), code="no_plan")
    plan = _lock_plan(current)
    if plan.status not in OPEN_PLAN_STATUSES or locked.state != CaseState.PERFORMING:
        raise DomainError(
            _("The repayment plan is closed (%(status)s): nothing more is waived on it.")
            % {"status": PlanStatus(plan.status).label},
            code="plan_closed",
        )
    instalments = _instalments(plan)
    target = next((i for i in instalments if i.seq == seq), None)
    if target is None:
        raise DomainError(_("The plan has no instalment %(seq)s.") % {"seq": seq}, code="no_instalment")
    if value > target.outstanding:
        raise DomainError(
            _("Instalment %(seq)d still owes %(left)s yuan: at most that can be waived.")
            % {"seq": target.seq, "left": target.outstanding},
            code="amount_above_outstanding",
        )
    waiver_check(case=locked, waived=waived_so_far(locked) + value, code="waived_too_much")
    today = today or timezone.localdate()
    before = {"state": target.state, "waived": target.waived, "plan_waived": plan.waived}
    target.waived += value
    target.state = _state_for(plan, target, today)
    target.save(update_fields=["waived", "state"])
    plan.waived += value
    plan.save(update_fields=["waived"])
    waiver = Waiver.objects.create(
        plan=plan,
        case=locked,
        seq=target.seq,
        amount=value,
        reason=reason,
        waived_by_label=actor_ref(actor).label[:200],
    )
    case_event_record(
        locked,
        actor=actor,
        kind="instalment_waived",
        note=_("%(amount)s yuan of instalment %(seq)d (%(date)s) waived: %(reason)s; balance %(balance)s yuan.")
        % {
            "amount": value,
            "seq": target.seq,
            "date": target.due_date.isoformat(),
            "reason": reason,
            "balance": plan.balance,
        },
        data={"waiver": waiver.pk, "seq": target.seq, "amount": str(value), "state": target.state},
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_WAIVER,
        obj=waiver,
        before=before,
        after={
            "case": locked.number,
            "seq": target.seq,
            "amount": value,
            "reason": reason,
            "state": target.state,
            "plan_waived": plan.waived,
            "balance": plan.balance,
        },
    )
    if plan.balance == 0:
        _complete(locked, plan)
    return waiver


def _complete(case: Case, plan: RepaymentPlan) -> None:
    """The last fen is paid: the plan is completed and the system takes the case's step "fulfil"."""
    plan.status = PlanStatus.COMPLETED
    plan.completed_at = timezone.now()
    plan.save(update_fields=["status", "completed_at"])
    case_event_record(case, actor=SYSTEM, kind="plan_completed", data={"plan": plan.pk, "total": str(plan.total)})
    audit_record(
        actor=SYSTEM,
        action=AuditAction.REPAYMENT_PLAN,
        obj=plan,
        before={"status": PlanStatus.ACTIVE},
        after={"status": PlanStatus.COMPLETED, "paid": plan.paid},
    )
    case_event_emit(
        case_id=case.pk, event_type=EVENT_PLAN_COMPLETED, data={"plan_id": plan.pk, "total": str(plan.total)}
    )
    case_transition(case=case, code="fulfil", actor=SYSTEM, note=_("Repaid in full: the last fen was paid."))


# The daily follow-up ---------------------------------------------------------------------------


@dataclass
class DailySummary:
    plans: int = 0
    state_changes: int = 0
    defaulted: int = 0
    reminders: int = 0
    plans_made: int = 0
    held_back: int = 0  # reminders due but within the debtor's quiet hours
    limitation_warnings: int = 0
    errors: list[str] = field(default_factory=list)


def debtor_contact(case: Case) -> tuple[str, str]:
    """(phone, time zone) of whoever answers for the debtor: the acting relative, else the debtor.

    The debtor is the case's first citizen party, whatever side opened the case (a citizen who applied
    for mediation is its applicant; a guarantor comes after the borrower)."""
    party = (
        CaseParty.objects.filter(case=case, person__isnull=False)
        .exclude(role=PartyRole.THIRD_PARTY)
        .select_related("person", "agent")
        .order_by("pk")
        .first()
    )
    if party is None:
        return "", ""
    person = party.agent or party.person
    assert person is not None
    return person.phone or "", person.timezone


# The note of reminders sent before the debtor's zone was named in it: still shown in the reader's language.
EARLIER_NOTES = (gettext_noop("Reminder (%(kind)s) of instalment %(seq)d to %(to)s, at %(local)s their time."),)


def _reminder_text(kind: ReminderKind, case: Case, i: PlanInstalment) -> str:
    texts = {
        ReminderKind.BEFORE_3: _(
            "Xietong: instalment %(seq)d of case %(number)s, %(amount)s yuan, is due on %(date)s."
        ),
        ReminderKind.ON_DAY: _(
            "Xietong: instalment %(seq)d of case %(number)s, %(amount)s yuan, is due today (%(date)s)."
        ),
        ReminderKind.AFTER_1: _(
            "Xietong: instalment %(seq)d of case %(number)s, %(amount)s yuan, was due on %(date)s."
        ),
        ReminderKind.AFTER_7: _(
            "Xietong: instalment %(seq)d of case %(number)s, %(amount)s yuan, was due on %(date)s."
        ),
    }
    text = texts[kind] % {"seq": i.seq, "number": case.number, "amount": i.outstanding, "date": i.due_date}
    # Sentences follow each other without a space in Chinese, with one in English.
    return ("" if (translation.get_language() or "").startswith("zh") else " ").join(
        [
            text,
            _("If you have paid already, please ignore this message."),
            _("Your plan: %(link)s") % {"link": debtor_link(case)},
        ]
    )


@transaction.atomic
def plan_follow(*, plan: RepaymentPlan | int, now: dt.datetime, summary: DailySummary | None = None) -> DailySummary:
    """One plan's daily follow-up: instalment states by the terms, default, reminders. Running it
    again the same day changes nothing and sends nothing again."""
    summary = summary or DailySummary()
    first = plan if isinstance(plan, RepaymentPlan) else RepaymentPlan.objects.get(pk=plan)
    case = case_lock(first.case_id)
    locked = _lock_plan(first)
    if locked.status not in OPEN_PLAN_STATUSES or case.state != CaseState.PERFORMING:
        return summary
    summary.plans += 1
    today = timezone.localdate(now)
    at = min(now, timezone.now())  # the timeline says when the follow-up ran (never later than now)
    before_status = locked.status
    if locked.status == PlanStatus.SUSPENDED and locked.suspended_until is not None and today > locked.suspended_until:
        locked.status = PlanStatus.ACTIVE
        case_event_record(
            case,
            actor=SYSTEM,
            kind="plan_resumed",
            note=message(
                gettext_noop("The hardship suspension ended on %(date)s: repayment resumes."),
                date=locked.suspended_until.isoformat(),
            ),
            data={"plan": locked.pk},
            at=at,
        )
    instalments = _instalments(locked)
    changed: list[PlanInstalment] = []
    for i in instalments:
        new = _state_for(locked, i, today)
        if new != i.state:
            old, i.state = i.state, new
            changed.append(i)
            case_event_record(
                case,
                actor=SYSTEM,
                kind="instalment_state_changed",
                note=message(
                    gettext_noop("Instalment %(seq)d (%(date)s): %(old)s → %(new)s."),
                    seq=i.seq,
                    date=i.due_date.isoformat(),
                    old=InstalmentState(old).label,
                    new=InstalmentState(new).label,
                ),
                data={"seq": i.seq, "from": old, "to": new},
                at=at,
            )
            if new == InstalmentState.MISSED:
                case_event_emit(case_id=case.pk, event_type=EVENT_INSTALMENT_MISSED, data=_paid_event(locked, i))
    if changed:
        PlanInstalment.objects.bulk_update(changed, ["state"])
        summary.state_changes += len(changed)
    if locked.status == PlanStatus.ACTIVE and plan_defaults(
        [i.state for i in instalments], locked.default_after_missed
    ):
        locked.status = PlanStatus.DEFAULTED
        locked.defaulted_at = now
        summary.defaulted += 1
        missed = [i.seq for i in instalments if i.state == InstalmentState.MISSED]
        case_event_record(
            case,
            actor=SYSTEM,
            kind="plan_defaulted",
            note=message(
                gettext_noop(
                    "%(n)d instalment(s) missed: the plan is defaulted by its terms; balance %(balance)s yuan."
                ),
                n=len(missed),
                balance=locked.balance,
            ),
            data={"plan": locked.pk, "missed": missed, "accelerate": locked.accelerate},
            at=at,
        )
        case_event_emit(
            case_id=case.pk,
            event_type=EVENT_PLAN_DEFAULTED,
            data={
                "plan_id": locked.pk,
                "missed": missed,
                "balance": str(locked.balance),
                "accelerate": locked.accelerate,
            },
        )
        if locked.accelerate:  # the whole balance falls due at once: each change on the timeline
            accelerated = []
            for i in instalments:
                new = _state_for(locked, i, today)
                if new != i.state:
                    old, i.state = i.state, new
                    accelerated.append(i)
                    case_event_record(
                        case,
                        actor=SYSTEM,
                        kind="instalment_state_changed",
                        note=_("Instalment %(seq)d (%(date)s): %(old)s → %(new)s, the whole balance falling due.")
                        % {
                            "seq": i.seq,
                            "date": i.due_date.isoformat(),
                            "old": InstalmentState(old).label,
                            "new": InstalmentState(new).label,
                        },
                        data={"seq": i.seq, "from": old, "to": new, "accelerated": True},
                        at=at,
                    )
            PlanInstalment.objects.bulk_update(accelerated, ["state"])
            changed.extend(accelerated)
            summary.state_changes += len(accelerated)
    sent = _remind(case, locked, instalments, now, summary) if locked.status == PlanStatus.ACTIVE else []
    locked.last_run_on = today
    locked.save(update_fields=["status", "defaulted_at", "last_run_on"])
    if changed or before_status != locked.status:
        case_status_refresh(case)  # the states and the status were written after their events
    if changed or sent or before_status != locked.status:
        audit_record(
            actor=SYSTEM,
            action=AuditAction.REPAYMENT_FOLLOWUP,
            obj=locked,
            before={"status": before_status},
            after={
                "status": locked.status,
                "on": today.isoformat(),
                "states": {str(i.seq): i.state for i in changed},
                "reminders": sent,
            },
        )
    return summary


def _remind(
    case: Case, plan: RepaymentPlan, instalments: list[PlanInstalment], now: dt.datetime, summary: DailySummary
) -> list[str]:
    phone, tz_name = debtor_contact(case)
    if not phone:
        return []
    local = now.astimezone(debtor_zone(tz_name))
    sent: list[str] = []
    for i in instalments:
        if i.state not in UNPAID:
            continue
        kind = reminder_due(due_date=i.effective_due(plan), local_today=local.date())
        if kind is None or Reminder.objects.filter(instalment=i, kind=kind).exists():
            continue
        if Reminder.objects.filter(instalment=i).count() >= MAX_REMINDERS:
            continue
        if quiet_hours(now, tz_name):
            summary.held_back += 1
            continue
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    instalment=i,
                    kind=kind,
                    sent_at=now,
                    local_time=local.isoformat(timespec="minutes"),
                    to_masked=mask_phone(phone),
                )
        except IntegrityError:  # a twin run sent it a moment ago
            continue
        sms_send(to=phone, text=_reminder_text(ReminderKind(kind), case, i))
        case_event_record(
            case,
            actor=SYSTEM,
            kind="reminder_sent",
            note=message(
                gettext_noop("Reminder (%(kind)s) of instalment %(seq)d to %(to)s, at %(local)s %(zone)s."),
                kind=ReminderKind(kind).label,
                seq=i.seq,
                to=mask_phone(phone),
                local=local.strftime("%Y-%m-%d %H:%M"),
                zone=zone_message(tz_name, now),
            ),
            data={"seq": i.seq, "kind": kind, "tz": tz_name},
            at=min(now, timezone.now()),
        )
        summary.reminders += 1
        sent.append(f"{i.seq}:{kind}")
    return sent


def repayment_daily(*, now: dt.datetime | None = None) -> DailySummary:
    """Every open plan, followed up; confirmed cases still without a plan get theirs. Safe to run
    every hour and on several workers at once (each plan under its row lock; reminders once per kind)."""
    now = now or timezone.now()
    summary = DailySummary()
    with_plan = RepaymentPlan.objects.exclude(status=PlanStatus.SUPERSEDED).values("case_id")
    for case_id in (
        Case.objects.filter(state=CaseState.PERFORMING).exclude(pk__in=with_plan).values_list("pk", flat=True)
    ):
        try:
            if plan_create(case=case_id, today=timezone.localdate(now)) is not None:
                summary.plans_made += 1
        except Exception as exc:
            logger.exception("repayment plan for case %s could not be made", case_id)
            summary.errors.append(f"case {case_id}: {exc}")
    ids = RepaymentPlan.objects.filter(status__in=list(OPEN_PLAN_STATUSES)).values_list("pk", flat=True)
    for pk in list(ids):
        try:
            plan_follow(plan=pk, now=now, summary=summary)
        except Exception as exc:
            logger.exception("repayment follow-up of plan %s failed", pk)
            summary.errors.append(f"plan {pk}: {exc}")
    from .limitation import limitation_warnings_send

    summary.limitation_warnings = limitation_warnings_send(now=now)
    return summary


@transaction.atomic
def plan_suspend(
    *, actor: Any, case: Case | int, reason: str, until: dt.date, today: dt.date | None = None
) -> RepaymentPlan:
    """Court staff grant a hardship suspension (e.g. serious illness), with a reason and an end date:
    no reminders and no lateness until then; an instalment due meanwhile is late only after it."""
    locked = case_lock(case)
    if not Case.objects.restrict(actor).filter(pk=locked.pk).exists():
        raise NotFound(_("No such case."))
    if not may(actor, "repayment.suspend", locked):
        raise NotAllowed(_("Only the court grants a hardship suspension."), code="role")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the suspension."), code="note_required")
    today = today or timezone.localdate()
    if not isinstance(until, dt.date) or until <= today or until > today + dt.timedelta(days=366):
        raise DomainError(_("The suspension ends after today and within a year."), code="suspension_until")
    current = plan_current(locked)
    if current is None:
        raise DomainError(_("The case has no repayment plan."), code="no_plan")
    plan = _lock_plan(current)
    if plan.status != PlanStatus.ACTIVE or locked.state != CaseState.PERFORMING:
        raise DomainError(
            _("Only a plan being repaid can be suspended (it is %(status)s).")
            % {"status": PlanStatus(plan.status).label},
            code="not_active",
        )
    plan.status = PlanStatus.SUSPENDED
    plan.suspended_until = until
    plan.suspension_reason = reason
    plan.lateness_from = until + dt.timedelta(days=1)
    plan.save(update_fields=["status", "suspended_until", "suspension_reason", "lateness_from"])
    rows = _instalments(plan)
    for i in rows:
        i.state = _state_for(plan, i, today)
    PlanInstalment.objects.bulk_update(rows, ["state"])
    case_event_record(
        locked,
        actor=actor,
        kind="plan_suspended",
        note=message(gettext_noop("Suspended until %(date)s: %(reason)s"), date=until.isoformat(), reason=reason),
        data={"plan": plan.pk, "until": until.isoformat()},
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_PLAN,
        obj=plan,
        before={"status": PlanStatus.ACTIVE},
        after={"status": PlanStatus.SUSPENDED, "until": until.isoformat(), "reason": reason},
    )
    return plan


# Guards of the case's steps ------------------------------------------------------------------------


def fulfil_guard(case: Any, actor: Any, note: str) -> None:
    """The step "fulfil": a case with a plan is fulfilled when its last fen is paid, not before."""
    plan = plan_current(case)
    if plan is not None and plan.balance > 0:
        raise DomainError(
            _("%(balance)s yuan is still outstanding: the case is fulfilled when the last fen is paid.")
            % {"balance": plan.balance},
            code="balance_outstanding",
        )


def close_guard(case: Any, actor: Any, note: str) -> None:
    """The step "close" from enforcement: only by recording how enforcement ended (paid in full, partly,
    terminated), which closes the case itself; never around it."""
    if case.state == CaseState.ENFORCING and (
        EnforcementApplication.objects.filter(case_id=case.pk).exclude(status=ApplicationStatus.CLOSED).exists()
    ):
        raise DomainError(
            _(
                "The case is in enforcement: record its result (paid in full, partly paid, terminated) on the "
                "repayment panel, which closes the case."
            ),
            code="enforcement_result_required",
        )


def enforce_guard(case: Any, actor: Any, note: str) -> None:
    """The step "enforce": only through the creditor's application, being accepted by the court."""
    if not EnforcementApplication.objects.filter(
        case_id=case.pk, status=ApplicationStatus.ACCEPTED, enforcement_number=""
    ).exists():
        raise DomainError(
            _("Enforcement opens when the court accepts the creditor's application for enforcement."),
            code="no_application",
        )


# Enforcement ------------------------------------------------------------------------------------


def _basis_or_refuse(case: Case) -> tuple[str, str]:
    basis = enforceable_basis(case)
    if basis is None:
        from xietong.agreements.selectors import agreement_signed_for_case

        if agreement_signed_for_case(case) is not None:
            raise DomainError(
                _(
                    "The signed agreement is not enforceable by itself: ask the court to confirm it "
                    "(judicial confirmation, 民特), or file the case for trial (民初)."
                ),
                code="not_enforceable",
            )
        raise DomainError(
            _("The case has no enforceable basis (a 民特 ruling or a 民初 judgment): it cannot be enforced."),
            code="not_enforceable",
        )
    return basis


def enforcement_check(*, actor: Any, case: Case) -> tuple[tuple[str, str], RepaymentPlan | None]:
    """Whether the creditor may apply for enforcement now: the (basis, plan) to apply on, or a
    DomainError saying why not. Writes nothing (the API asks it to say "why not" ahead of time)."""
    if not Case.objects.restrict(actor).filter(pk=case.pk).exists():
        raise NotFound(_("No such case."))
    if not may_report_payments(actor, case):
        raise NotAllowed(_("Only the creditor institution of the case applies for enforcement."), code="not_creditor")
    basis = _basis_or_refuse(case)
    if application_open(case) is not None:
        raise Conflict(_("An application for enforcement is already made."), code="application_open")
    plan = plan_current(case)
    if case.state == CaseState.PERFORMING:
        if plan is None or plan.status != PlanStatus.DEFAULTED:
            raise DomainError(
                _("The plan is being repaid: enforcement is applied for once the plan is defaulted by its terms."),
                code="not_defaulted",
            )
    elif case.state != CaseState.TRIED:
        raise DomainError(
            _("Enforcement is applied for on a case being repaid or tried; this case is %(state)s.")
            % {"state": CaseState(case.state).label},
            code="illegal_state",
        )
    return basis, plan


@transaction.atomic
def enforcement_apply(*, actor: Any, case: Case | int) -> EnforcementApplication:
    """The creditor applies for enforcement (强制执行申请书) on the case's enforceable basis."""
    from .documents import application_content

    locked = case_lock(case)
    existing = application_open(locked)
    visible = Case.objects.restrict(actor).filter(pk=locked.pk).exists()
    if existing is not None and visible and may_report_payments(actor, locked):
        return existing  # a double click: the same application
    basis, plan = enforcement_check(actor=actor, case=locked)
    assert locked.institution_id is not None  # may_report_payments: the case's own institution
    paid = case_paid(locked)  # every version of the plan
    outstanding = plan.balance if plan else basis_amount(locked, basis[0]) - paid - case_waived(locked)
    application = EnforcementApplication(
        case=locked,
        plan=plan,
        basis_kind=basis[0],
        basis_number=basis[1],
        amount_outstanding=outstanding,
        amount_paid=paid,
        applicant_id=locked.institution_id,
        applied_by_label=actor_ref(actor).label[:200],
    )
    application.content = application_content(application)
    application.save()
    case_event_record(
        locked,
        actor=actor,
        kind="enforcement_applied",
        note=message(
            gettext_noop("On %(basis)s, for %(amount)s yuan outstanding."), basis=basis[1], amount=outstanding
        ),
        data={"application": application.pk, "basis": basis[1], "outstanding": str(outstanding)},
    )
    audit_record(
        actor=actor,
        action=AuditAction.ENFORCEMENT_APPLY,
        obj=application,
        after={"basis": basis[1], "outstanding": outstanding, "paid": paid},
    )
    return application


@transaction.atomic
def confirmation_request(*, actor: Any, case: Case | int) -> dict[str, Any]:
    """The creditor, who holds a signed agreement the court has not confirmed yet, asks the court to
    confirm it (the way to an enforceable basis): on the timeline, in the audit trail, the court's judges
    and clerks told. Once per version of the agreement: asking again says when it was asked."""
    from xietong.agreements.selectors import agreement_signed_for_case
    from xietong.notifications.services import email_send

    locked = case_lock(case)
    if not Case.objects.restrict(actor).filter(pk=locked.pk).exists():
        raise NotFound(_("No such case."))
    if not may_report_payments(actor, locked):
        raise NotAllowed(_("Only the creditor institution of the case asks for it."), code="not_creditor")
    agreement = agreement_signed_for_case(locked)
    if locked.state != CaseState.AGREEMENT or agreement is None:
        raise DomainError(_("There is no signed agreement awaiting confirmation."), code="illegal_state")
    earlier = (
        locked.events.filter(kind="confirmation_requested", data__version=agreement.version).order_by("at").first()
    )
    if earlier is not None:
        return {"created": False, "at": earlier.at}
    court = User.objects.filter(
        organisation_id=locked.court_id, role__in=[Role.JUDGE, Role.CLERK], is_active=True
    ).order_by("pk")
    event = case_event_record(
        locked,
        actor=actor,
        kind="confirmation_requested",
        note=_("The creditor asks the court to confirm version %(v)d of the agreement, to make it enforceable.")
        % {"v": agreement.version},
        data={"version": agreement.version, "agreement": agreement.pk},
    )
    audit_record(
        actor=actor,
        action=AuditAction.CONFIRMATION_REQUEST,
        obj=locked,
        after={"agreement_version": agreement.version, "case": locked.number},
    )
    for user in court:
        if user.email:
            email_send(
                to=user.email,
                subject=_("Case %(number)s: confirmation asked for") % {"number": locked.number},
                text=_("The creditor asks the court to confirm the signed agreement of case %(number)s: %(link)s")
                % {"number": locked.number, "link": case_link(locked)},
            )
    return {"created": True, "at": event.at}


@transaction.atomic
def enforcement_accept(*, actor: Any, case: Case | int, note: str = "") -> EnforcementApplication:
    """Court staff accept the application: the case takes "enforce" and gets its 执 number."""
    locked = case_lock(case)
    if not Case.objects.restrict(actor).filter(pk=locked.pk).exists():
        raise NotFound(_("No such case."))
    if not may(actor, "repayment.enforce", locked):
        raise NotAllowed(_("Only the court accepts applications for enforcement."), code="role")
    application = application_open(locked)
    if application is None:
        raise DomainError(_("There is no application for enforcement to accept."), code="no_application")
    if application.status == ApplicationStatus.ACCEPTED:
        return application  # a double click
    application = EnforcementApplication.objects.select_for_update().get(pk=application.pk)
    application.status = ApplicationStatus.ACCEPTED
    application.accepted_at = timezone.now()
    application.accepted_by_label = actor_ref(actor).label[:200]
    application.save(update_fields=["status", "accepted_at", "accepted_by_label"])
    enforced = case_transition(
        case=locked, code="enforce", actor=actor, note=note or _("Application for enforcement accepted.")
    )
    number = enforced.events.filter(kind="enforce").order_by("-at", "-pk").values_list("data", flat=True).first()
    application.enforcement_number = (number or {}).get("number", "")
    application.save(update_fields=["enforcement_number"])
    plan = plan_current(enforced)
    if plan is not None and plan.status in OPEN_PLAN_STATUSES:
        plan = _lock_plan(plan)
        plan.status = PlanStatus.ENFORCEMENT
        plan.save(update_fields=["status"])
        case_status_refresh(enforced)  # the plan's status changed after the step's event
    audit_record(
        actor=actor,
        action=AuditAction.ENFORCEMENT_ACCEPT,
        obj=application,
        before={"status": ApplicationStatus.APPLIED},
        after={"status": ApplicationStatus.ACCEPTED, "number": application.enforcement_number},
    )
    return application


@transaction.atomic
def enforcement_result_record(
    *, actor: Any, case: Case | int, result: str, amount: Decimal | str | None = None, note: str = ""
) -> EnforcementApplication:
    """The court records how enforcement ended (paid in full, partly, terminated) and closes the case."""
    locked = case_lock(case)
    if not Case.objects.restrict(actor).filter(pk=locked.pk).exists():
        raise NotFound(_("No such case."))
    if not may(actor, "repayment.enforce", locked):
        raise NotAllowed(_("Only the court records the result of enforcement."), code="role")
    application = application_open(locked)
    if application is None or application.status != ApplicationStatus.ACCEPTED or locked.state != CaseState.ENFORCING:
        raise DomainError(_("The case is not in enforcement."), code="not_enforcing")
    if result not in EnforcementResult.values:
        raise DomainError(_("Choose the result of enforcement."), code="result")
    value = None if amount in (None, "") else money_parse(amount, _("Amount recovered"))  # type: ignore[arg-type]
    if value is not None and value > application.amount_outstanding:
        raise DomainError(_("More was recovered than was outstanding."), code="amount_above_outstanding")
    if result == EnforcementResult.PAID_IN_FULL:
        value = application.amount_outstanding
    elif result == EnforcementResult.PARTLY_PAID and not value:
        raise DomainError(_("Give the amount recovered."), code="amount_required")
    note = note.strip()
    if result == EnforcementResult.TERMINATED and not note:
        raise DomainError(_("Give the reason enforcement was terminated."), code="note_required")
    application = EnforcementApplication.objects.select_for_update().get(pk=application.pk)
    application.status = ApplicationStatus.CLOSED
    application.result = result
    application.result_amount = value
    application.result_note = note
    application.closed_at = timezone.now()
    application.save(update_fields=["status", "result", "result_amount", "result_note", "closed_at"])
    label = EnforcementResult(result).label
    case_event_record(
        locked,
        actor=actor,
        kind="enforcement_result",
        note=message(
            {
                (True, True): gettext_noop("%(result)s: %(amount)s yuan; %(note)s"),
                (True, False): gettext_noop("%(result)s: %(amount)s yuan"),
                (False, True): gettext_noop("%(result)s; %(note)s"),
                (False, False): gettext_noop("%(result)s"),
            }[(value is not None, bool(note))],
            result=label,
            amount=value,
            note=note,
        ),
        data={"result": result, "amount": str(value) if value is not None else None},
    )
    audit_record(
        actor=actor,
        action=AuditAction.ENFORCEMENT_RESULT,
        obj=application,
        after={"result": result, "amount": value, "note": note},
    )
    case_transition(case=locked, code="close", actor=actor, note=str(label))
    return application
