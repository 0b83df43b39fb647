"""Changing the plan: the debtor asks for more time; the mediator drafts a new version; the debtor and the
creditor agree; the new version is in force and the old one is kept, superseded.

Why a version of the plan and not a new version of the agreement: the agreement was signed in mediation
and confirmed by the court (the 民特 ruling): it is the enforceable basis and stays so. What changes
afterwards is how the balance is paid, agreed between the parties in performance (like a settlement in
enforcement, 执行和解): if the debtor defaults on the new plan, the creditor applies to enforce the
basis for what is still owed. So the agreements app (drafted in mediation, frozen, confirmed) is not
reopened; a `PlanRevision` carries the new instalments and the two agreements to them.

- The debtor (or their relative) asks on "My repayments", or the mediator records a request made by
  phone or at the counter; one open request a case. The mediator is told by e-mail and text message.
- The case's mediator drafts: new instalments for the balance outstanding (equal months, or lines
  typed by hand, checked by `agreements.plans`), the default terms (the old plan's by default).
  A new draft voids the one before; the creditor is told by webhook, the debtor by text message.
- The simplest faithful signing, as for the agreement: the debtor with a one-time code sent to their
  own phone (or the acting relative's), or on paper at the counter recorded by the mediator; the
  creditor through its operator or API client, one click.
- When both have agreed, under the case's lock: if the balance moved since the draft (a payment, a
  waiver), the draft is voided and must be made again; otherwise the plan becomes SUPERSEDED and a new
  version (total = that balance) is in force, ACTIVE — a defaulted plan gets a fresh start.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.permissions import may
from xietong.agreements.permissions import party_may_sign_as
from xietong.agreements.plans import Plan, plan_check, plan_instalments
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, actor_ref, audit_record
from xietong.cases.choices import CaseState
from xietong.cases.models import Case, CaseParty
from xietong.cases.services import case_event_record, case_lock
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.notifications.models import OtpPurpose
from xietong.notifications.services import otp_issue, otp_verify, sms_send
from xietong.webhooks.services import case_event_emit

from .choices import (
    EVENT_PLAN_REVISED,
    EVENT_PLAN_REVISION_PROPOSED,
    OPEN_PLAN_STATUSES,
    InstalmentState,
    PlanStatus,
    RevisionStatus,
    TimeRequestStatus,
)
from .links import case_repayment_link, debtor_link
from .models import PlanInstalment, PlanRevision, RepaymentPlan, TimeRequest
from .selectors import plan_current

MAX_GRACE_DAYS = 30


def _visible(actor: Any, case: Case) -> None:
    if not Case.objects.restrict(actor).filter(pk=case.pk).exists():
        raise NotFound(_("No such case."))


def _open_plan(case: Case) -> RepaymentPlan:
    plan = plan_current(case)
    if plan is None or plan.status not in OPEN_PLAN_STATUSES or case.state != CaseState.PERFORMING:
        raise DomainError(_("The case has no repayment plan being repaid."), code="plan_closed")
    return plan


def is_case_mediator(actor: Any, case: Case) -> bool:
    """The case's mediator: drafts and withdraws a new plan, answers a request for more time."""
    return may(actor, "repayment.revise", case)


def debtor_party(case: Case) -> CaseParty | None:
    """The debtor: the case's first citizen party (see services.debtor_contact)."""
    return (
        CaseParty.objects.filter(case=case, person__isnull=False)
        .select_related("person", "agent")
        .order_by("pk")
        .first()
    )


def _tell_mediator(case: Case, subject: str, text: str) -> None:
    from .declarations import _tell, settlers

    _tell(settlers(case), subject, text)


def _tell_debtor(case: Case, text: str) -> None:
    from .services import debtor_contact

    phone, _tz = debtor_contact(case)
    if phone:
        sms_send(to=phone, text=text)


# Asking for more time ---------------------------------------------------------------------------------


@transaction.atomic
def time_request_create(*, actor: Any, case: Case | int, reason: str, months: int | None = None) -> TimeRequest:
    """The debtor (or their relative) asks for more time, or the mediator records that they asked."""
    locked = case_lock(case)
    _visible(actor, locked)
    via_mediator = is_case_mediator(actor, locked)
    if not via_mediator and not may(actor, "repayment.ask_for_time"):
        raise NotAllowed(_("The debtor asks for more time, themselves or through the mediator."), code="role")
    plan = _open_plan(locked)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why more time is needed."), code="note_required")
    if months is not None and not 1 <= months <= 120:
        raise DomainError(_("Ask for between 1 and 120 months."), code="months")
    existing = TimeRequest.objects.filter(case=locked, status=TimeRequestStatus.OPEN).first()
    if existing is not None:
        return existing  # one open request a case: a double submit finds it
    request = TimeRequest.objects.create(
        case=locked,
        plan=plan,
        reason=reason[:2000],
        months=months,
        requested_by_label=actor_ref(actor).label[:200],
        via_mediator=via_mediator,
    )
    case_event_record(
        locked,
        actor=actor,
        kind="time_requested",
        note=(_("%(months)s months asked for: %(reason)s") % {"months": months, "reason": reason})
        if months
        else reason,
        data={"request": request.pk, "months": months, "via_mediator": via_mediator},
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_REVISION,
        obj=request,
        after={"case": locked.number, "reason": reason, "months": months, "via_mediator": via_mediator},
    )
    if not via_mediator:
        _tell_mediator(
            locked,
            _("Case %(number)s: the debtor asks for more time") % {"number": locked.number},
            _("Xietong: the debtor of case %(number)s asks for more time to repay. Draft a new plan: %(link)s")
            % {"number": locked.number, "link": case_repayment_link(locked)},
        )
    return request


@transaction.atomic
def time_request_decline(*, actor: Any, request: TimeRequest | int, answer: str) -> TimeRequest:
    """The mediator declines the request, saying why (the debtor is told by text message)."""
    pk = request.pk if isinstance(request, TimeRequest) else request
    case_id = TimeRequest.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound(_("No such request."))
    locked = case_lock(case_id)
    _visible(actor, locked)
    if not is_case_mediator(actor, locked):
        raise NotAllowed(_("Only the case's mediator answers a request for more time."), code="role")
    found = TimeRequest.objects.select_for_update().get(pk=pk)
    if found.status != TimeRequestStatus.OPEN:
        return found
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_("Say why the request is declined."), code="note_required")
    found.status = TimeRequestStatus.DECLINED
    found.answer = answer
    found.answered_at = timezone.now()
    found.save(update_fields=["status", "answer", "answered_at"])
    case_event_record(locked, actor=actor, kind="time_request_declined", note=answer, data={"request": found.pk})
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_REVISION,
        obj=found,
        before={"status": TimeRequestStatus.OPEN},
        after={"status": TimeRequestStatus.DECLINED, "answer": answer},
    )
    _tell_debtor(
        locked,
        _("Xietong: your request for more time in case %(number)s is declined: %(answer)s")
        % {"number": locked.number, "answer": answer},
    )
    return found


# Drafting ----------------------------------------------------------------------------------------------


def _void(revision: PlanRevision, *, actor: Any, reason: str) -> None:
    revision.status = RevisionStatus.VOID
    revision.voided_at = timezone.now()
    revision.void_reason = reason
    revision.save(update_fields=["status", "voided_at", "void_reason"])
    case_event_record(
        revision.case, actor=actor, kind="plan_revision_voided", note=reason, data={"revision": revision.pk}
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_REVISION,
        obj=revision,
        before={"status": RevisionStatus.SIGNING},
        after={"status": RevisionStatus.VOID, "reason": reason},
    )


@transaction.atomic
def plan_revision_draft(
    *,
    actor: Any,
    case: Case | int,
    first_due: dt.date | None = None,
    months: int | None = None,
    instalments: Plan | None = None,
    day_of_month: int | None = None,
    grace_days: int | None = None,
    default_after_missed: int | None = None,
    accelerate: bool | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> PlanRevision:
    """The case's mediator drafts a new version of the plan: the balance outstanding in `months` equal
    instalments from `first_due`, or in `instalments` typed by hand (they must add up to it exactly)."""
    locked = case_lock(case)
    _visible(actor, locked)
    if not is_case_mediator(actor, locked):
        raise NotAllowed(_("Only the case's mediator drafts a new plan."), code="role")
    plan = _open_plan(locked)
    today = today or timezone.localdate()
    balance = plan.balance
    if instalments:
        schedule = plan_check(instalments, balance, today=today)
    else:
        if months is None or first_due is None:
            raise DomainError(
                _("Give the number of months and the first due date, or the instalments."), code="plan_missing"
            )
        if first_due < today:
            raise DomainError(
                _("The first instalment (%(date)s) is in the past.") % {"date": first_due.isoformat()}, code="plan_past"
            )
        schedule = plan_instalments(balance, months, first_due, day_of_month=day_of_month)
    grace = plan.grace_days if grace_days is None else grace_days
    if not 0 <= grace <= MAX_GRACE_DAYS:
        raise DomainError(
            _("The grace period is between 0 and %(max)d days.") % {"max": MAX_GRACE_DAYS}, code="grace_days"
        )
    missed = plan.default_after_missed if default_after_missed is None else default_after_missed
    missed = min(missed, len(schedule))
    if missed < 1:
        raise DomainError(_("The plan defaults after at least one missed instalment."), code="default_after_missed")
    for old in PlanRevision.objects.select_for_update().filter(case=locked, status=RevisionStatus.SIGNING):
        _void(old, actor=actor, reason=_("Replaced by a new draft."))
    request = TimeRequest.objects.select_for_update().filter(case=locked, status=TimeRequestStatus.OPEN).first()
    revision = PlanRevision.objects.create(
        case=locked,
        plan=plan,
        request=request,
        balance=balance,
        instalments=[[d.isoformat(), str(a)] for d, a in schedule],
        grace_days=grace,
        default_after_missed=missed,
        accelerate=plan.accelerate if accelerate is None else accelerate,
        note=(note or "").strip(),
        drafted_by_label=actor_ref(actor).label[:200],
    )
    if request is not None:
        request.status = TimeRequestStatus.DRAFTED
        request.answered_at = timezone.now()
        request.save(update_fields=["status", "answered_at"])
    case_event_record(
        locked,
        actor=actor,
        kind="plan_revision_drafted",
        note=_("A new plan for the balance of %(balance)s yuan: %(n)d instalments from %(first)s to %(last)s.")
        % {
            "balance": balance,
            "n": len(schedule),
            "first": schedule[0][0].isoformat(),
            "last": schedule[-1][0].isoformat(),
        },
        data={"revision": revision.pk, "balance": str(balance), "instalments": len(schedule)},
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_REVISION,
        obj=revision,
        after={
            "case": locked.number,
            "plan": plan.pk,
            "balance": balance,
            "instalments": revision.instalments,
            "terms": {"grace_days": grace, "default_after_missed": missed, "accelerate": revision.accelerate},
        },
    )
    case_event_emit(
        case_id=locked.pk,
        event_type=EVENT_PLAN_REVISION_PROPOSED,
        data={"revision_id": revision.pk, "balance": str(balance), "instalments": revision.instalments},
    )
    _tell_debtor(
        locked,
        _("Xietong: a new repayment plan is proposed in case %(number)s. Read it and agree here: %(link)s")
        % {"number": locked.number, "link": debtor_link(locked)},
    )
    return revision


# Agreeing -----------------------------------------------------------------------------------------------


def _signing(actor: Any, revision: PlanRevision | int) -> tuple[Case, PlanRevision]:
    pk = revision.pk if isinstance(revision, PlanRevision) else revision
    case_id = PlanRevision.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound(_("No such plan revision."))
    locked = case_lock(case_id)
    _visible(actor, locked)
    found = PlanRevision.objects.select_for_update().get(pk=pk)
    return locked, found


def _must_be_signing(revision: PlanRevision) -> None:
    if revision.status != RevisionStatus.SIGNING:
        raise DomainError(
            _("This new plan is %(status)s: it can no longer be agreed.")
            % {"status": RevisionStatus(revision.status).label},
            code="not_signing",
        )


def _debtor_signer(actor: Any, case: Case) -> tuple[CaseParty, str]:
    party = debtor_party(case)
    how = party_may_sign_as(actor, party) if party is not None else ""
    if party is None or how not in ("person", "agent"):
        raise NotAllowed(_("Only the debtor, or the relative acting for them, agrees for the debtor."), code="role")
    return party, how


def _otp_subject(revision: PlanRevision) -> str:
    return f"plan-revision:{revision.pk}"


def plan_revision_code(*, actor: Any, revision: PlanRevision | int) -> str:
    """Send the debtor (or the acting relative) a one-time code to agree with; returns the phone, masked."""
    from xietong.core.masking import mask_phone

    with transaction.atomic():
        case, found = _signing(actor, revision)
        _must_be_signing(found)
        party, how = _debtor_signer(actor, case)
        person = party.agent if how == "agent" else party.person
        phone = person.phone if person else ""
        if not phone:
            raise DomainError(
                _("There is no phone number on file for you: agree at the center's counter instead."), code="no_phone"
            )
        otp_issue(phone=phone, purpose=OtpPurpose.SIGN, subject=_otp_subject(found))
    return mask_phone(phone)


@transaction.atomic
def plan_revision_sign_debtor(*, actor: Any, revision: PlanRevision | int, code: str) -> PlanRevision:
    """The debtor (or the acting relative) agrees with the code sent to their phone."""
    case, found = _signing(actor, revision)
    if found.debtor_signed_at is not None:
        return found
    _must_be_signing(found)
    party, how = _debtor_signer(actor, case)
    person = party.agent if how == "agent" else party.person
    assert person is not None
    if not otp_verify(phone=person.phone, purpose=OtpPurpose.SIGN, subject=_otp_subject(found), code=code):
        raise DomainError(_("The code is wrong or has expired. Ask for a new one."), code="otp_invalid")
    signer = person.name
    if how == "agent" and party.person is not None:
        signer = _("%(agent)s for %(person)s") % {"agent": person.name, "person": party.person.name}
    return _signed(actor, case, found, side="debtor", signer=signer, how=_("one-time code"))


@transaction.atomic
def plan_revision_sign_counter(*, actor: Any, revision: PlanRevision | int) -> PlanRevision:
    """The mediator (or the court's staff) records that the debtor signed the printed plan at the counter."""
    case, found = _signing(actor, revision)
    if not may(actor, "repayment.sign_at_counter", case):
        raise NotAllowed(_("Only the case's mediator or the center's staff record a paper signature."), code="role")
    if found.debtor_signed_at is not None:
        return found
    _must_be_signing(found)
    party = debtor_party(case)
    if party is None:
        raise DomainError(_("The case has no debtor to sign."), code="no_debtor")
    signer = party.agent.name if party.agent else party.name
    if party.agent and party.person:
        signer = _("%(agent)s for %(person)s") % {"agent": party.agent.name, "person": party.person.name}
    return _signed(actor, case, found, side="debtor", signer=signer, how=_("on paper at the counter"))


@transaction.atomic
def plan_revision_sign_creditor(*, actor: Any, revision: PlanRevision | int) -> PlanRevision:
    """The creditor agrees through its operator or API client: one click."""
    case, found = _signing(actor, revision)
    if not may(actor, "repayment.sign_as_creditor", case):
        raise NotAllowed(_("Only the creditor institution of the case agrees for the creditor."), code="role")
    if found.creditor_signed_at is not None:
        return found
    _must_be_signing(found)
    institution = case.institution.display_name if case.institution else ""
    signer = _("%(institution)s, by %(operator)s") % {"institution": institution, "operator": actor_ref(actor).label}
    return _signed(actor, case, found, side="creditor", signer=signer, how=_("operator"))


def _signed(actor: Any, case: Case, revision: PlanRevision, *, side: str, signer: str, how: str) -> PlanRevision:
    now = timezone.now()
    if side == "debtor":
        revision.debtor_signed_at, revision.debtor_signer = now, signer[:200]
        revision.save(update_fields=["debtor_signed_at", "debtor_signer"])
    else:
        revision.creditor_signed_at, revision.creditor_signer = now, signer[:200]
        revision.save(update_fields=["creditor_signed_at", "creditor_signer"])
    case_event_record(
        case,
        actor=actor,
        kind="plan_revision_signed",
        note=f"{signer} · {how}",
        data={"revision": revision.pk, "side": side},
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_REVISION,
        obj=revision,
        after={"side": side, "signer": signer, "how": how},
    )
    if revision.debtor_signed_at is not None and revision.creditor_signed_at is not None:
        _agree(case, revision)
    return revision


def _agree(case: Case, revision: PlanRevision) -> None:
    """Both agreed: the new version is in force, the old one superseded (or the draft voided if the
    balance moved since it was drafted)."""
    from .services import _lock_plan, _state_for

    old = _lock_plan(revision.plan_id)
    if old.status not in OPEN_PLAN_STATUSES or case.state != CaseState.PERFORMING:
        _void(revision, actor=SYSTEM, reason=_("The plan is no longer being repaid."))
        return
    if old.balance != revision.balance:
        _void(
            revision,
            actor=SYSTEM,
            reason=_("The balance changed since the draft (%(then)s yuan, now %(now)s yuan): draft the plan again.")
            % {"then": revision.balance, "now": old.balance},
        )
        return
    before = {"status": old.status, "version": old.version, "balance": old.balance}
    old.status = PlanStatus.SUPERSEDED
    old.save(update_fields=["status"])
    today = timezone.localdate()
    new = RepaymentPlan.objects.create(
        case=case,
        version=old.version + 1,
        agreement=old.agreement,
        basis_kind=old.basis_kind,
        basis_number=old.basis_number,
        total=revision.balance,
        grace_days=revision.grace_days,
        default_after_missed=revision.default_after_missed,
        accelerate=revision.accelerate,
    )
    rows = [
        PlanInstalment(plan=new, seq=n, due_date=d, amount=a, state=InstalmentState.SCHEDULED)
        for n, (d, a) in enumerate(revision.schedule, start=1)
    ]
    for row in rows:
        row.state = _state_for(new, row, today)
    PlanInstalment.objects.bulk_create(rows)
    revision.status = RevisionStatus.AGREED
    revision.agreed_at = timezone.now()
    revision.new_plan = new
    revision.save(update_fields=["status", "agreed_at", "new_plan"])
    case_event_record(
        case,
        actor=SYSTEM,
        kind="plan_revised",
        note=_(
            "Version %(v)d of the plan is in force: %(balance)s yuan in %(n)d instalments; version %(old)d is kept, superseded."
        )
        % {"v": new.version, "balance": new.total, "n": len(rows), "old": old.version},
        data={"plan": new.pk, "superseded": old.pk, "revision": revision.pk},
    )
    audit_record(
        actor=SYSTEM,
        action=AuditAction.REPAYMENT_PLAN,
        obj=new,
        before=before,
        after={
            "version": new.version,
            "total": new.total,
            "superseded": old.pk,
            "revision": revision.pk,
            "instalments": revision.instalments,
        },
    )
    case_event_emit(
        case_id=case.pk,
        event_type=EVENT_PLAN_REVISED,
        data={"plan_id": new.pk, "version": new.version, "superseded_plan_id": old.pk, "total": str(new.total)},
    )
    _tell_debtor(
        case,
        _("Xietong: the new repayment plan of case %(number)s is in force; the first instalment is due on %(date)s.")
        % {"number": case.number, "date": rows[0].due_date.isoformat()},
    )


@transaction.atomic
def plan_revision_void(*, actor: Any, revision: PlanRevision | int, reason: str) -> PlanRevision:
    """The mediator withdraws a draft not yet agreed by both, with a reason."""
    case, found = _signing(actor, revision)
    if not is_case_mediator(actor, case):
        raise NotAllowed(_("Only the case's mediator withdraws a draft plan."), code="role")
    if found.status == RevisionStatus.VOID:
        return found
    _must_be_signing(found)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for withdrawing the draft."), code="note_required")
    _void(found, actor=actor, reason=reason)
    return found
