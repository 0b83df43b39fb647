"""Payments the debtor declares, with a voucher: declared, confirmed or disputed by the creditor, and a
disputed one settled by the case's mediator (or the court).

- The debtor, or the relative acting for them under an authorisation in force, declares a payment on
  "My repayments": its date, amount, how it was paid, and a voucher (a JPG, PNG or PDF, checked by its
  content: an .exe renamed .jpg is refused). Nothing is paid yet: the creditor is told (webhook
  `payment.declared`) and answers on the case page.
- The creditor confirms it: it becomes a Payment (settled oldest instalment first), with the creditor's
  reference or `DECL-<id>`. Or the creditor disputes it, with its reason: the declaration goes to the
  case's mediator (told by e-mail and text message; the court's clerks when the case has no mediator),
  who records the outcome: paid (the amount found paid becomes a Payment) or not paid.
- Every step is on the case's timeline and in the audit trail; a second click changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.choices import Role
from xietong.accounts.models import User
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import actor_ref, audit_record
from xietong.cases.choices import CaseState
from xietong.cases.models import Case
from xietong.cases.services import case_event_record, case_lock
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.core.money import money_parse
from xietong.intake.validators import check_upload
from xietong.notifications.services import email_send, sms_send
from xietong.webhooks.services import case_event_emit

from .choices import EVENT_PAYMENT_DECLARED, OPEN_PLAN_STATUSES, DeclarationStatus, PaymentSource, PlanStatus
from .links import case_repayment_link
from .models import PaymentDeclaration
from .selectors import may_report_payments, plan_current

MAX_VOUCHER_BYTES = 10 * 1024 * 1024


def _visible(actor: Any, case: Case) -> None:
    if not Case.objects.restrict(actor).filter(pk=case.pk).exists():
        raise NotFound(_("No such case."))


def _lock(actor: Any, declaration: PaymentDeclaration | int) -> tuple[Case, PaymentDeclaration]:
    pk = declaration.pk if isinstance(declaration, PaymentDeclaration) else declaration
    found = PaymentDeclaration.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if found is None:
        raise NotFound(_("No such declared payment."))
    case = case_lock(found)
    _visible(actor, case)
    return case, PaymentDeclaration.objects.select_for_update().get(pk=pk)


def may_declare_payments(actor: Any, case: Case) -> bool:
    """A citizen party who may see the case: the debtor, or the relative acting for them."""
    return may(actor, "repayment.declare_payments", case)


def may_settle_declarations(actor: Any, case: Case) -> bool:
    """The case's mediator, or the court's staff."""
    return may(actor, "repayment.settle_declarations", case)


def _tell(users: list[User], subject: str, text: str) -> None:
    for user in users:
        if user.email:
            email_send(to=user.email, subject=subject, text=text)
        if user.phone:
            sms_send(to=user.phone, text=text)


def _tell_debtor(case: Case, text: str) -> None:
    from .services import debtor_contact

    phone, _tz = debtor_contact(case)
    if phone:
        sms_send(to=phone, text=text)


def settlers(case: Case) -> list[User]:
    """Who settles a disputed declaration: the case's mediator, else the court's clerks."""
    if case.mediator_id is not None:
        return list(User.objects.filter(pk=case.mediator_id, is_active=True))
    return list(User.objects.filter(role=Role.CLERK, organisation_id=case.court_id, is_active=True).order_by("pk"))


@transaction.atomic
def payment_declare(
    *,
    actor: Any,
    case: Case | int,
    paid_on: dt.date,
    amount: Decimal | str,
    voucher: Any,
    note: str = "",
    today: dt.date | None = None,
) -> PaymentDeclaration:
    """The debtor (or their relative) declares a payment with its voucher; the creditor is told."""
    locked = case_lock(case)
    _visible(actor, locked)
    if not may_declare_payments(actor, locked):
        raise NotAllowed(_("Only the debtor, or the relative acting for them, declares a payment."), code="role")
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
    current = plan_current(locked)
    if current is None or current.status not in OPEN_PLAN_STATUSES or locked.state != CaseState.PERFORMING:
        raise DomainError(_("The case has no repayment plan being repaid."), code="plan_closed")
    if value > current.balance:
        raise DomainError(
            _("%(amount)s yuan is more than the balance outstanding (%(balance)s yuan).")
            % {"amount": value, "balance": current.balance},
            code="amount_above_balance",
        )
    if voucher is None:
        raise DomainError(_("Attach the voucher: a photo or a PDF of the receipt."), code="voucher_required")
    try:
        checked = check_upload(voucher, max_bytes=MAX_VOUCHER_BYTES)
    except ValidationError as e:
        raise DomainError(" ".join(str(m) for m in e.messages), code=e.code or "voucher") from None
    note = (note or "").strip()[:300]
    twin = PaymentDeclaration.objects.filter(
        case=locked,
        paid_on=paid_on,
        amount=value,
        voucher_sha256=checked.sha256,
        status__in=[DeclarationStatus.DECLARED, DeclarationStatus.DISPUTED],
    ).first()
    if twin is not None:
        return twin  # a double submit: the same declaration
    declaration = PaymentDeclaration(
        case=locked,
        plan=current,
        paid_on=paid_on,
        amount=value,
        note=note,
        declared_by=actor,
        declared_by_label=actor_ref(actor).label[:200],
        voucher_name=checked.name[:255],
        voucher_type=checked.detected_type,
        voucher_size=checked.size,
        voucher_sha256=checked.sha256,
    )
    ext = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}[checked.detected_type]
    declaration.voucher.save(f"voucher-{locked.pk}-{checked.sha256[:12]}.{ext}", voucher, save=False)
    declaration.save()
    case_event_record(
        locked,
        actor=actor,
        kind="payment_declared",
        note=_("%(amount)s yuan paid on %(date)s, with a voucher; awaiting the creditor.")
        % {"amount": value, "date": paid_on.isoformat()},
        data={"declaration": declaration.pk, "amount": str(value), "paid_on": paid_on.isoformat()},
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_DECLARATION,
        obj=declaration,
        after={
            "case": locked.number,
            "status": declaration.status,
            "paid_on": paid_on.isoformat(),
            "amount": value,
            "voucher": {"type": checked.detected_type, "size": checked.size, "sha256": checked.sha256},
        },
    )
    case_event_emit(
        case_id=locked.pk,
        event_type=EVENT_PAYMENT_DECLARED,
        data={"declaration_id": declaration.pk, "paid_on": paid_on.isoformat(), "amount": str(value)},
    )
    return declaration


@transaction.atomic
def declaration_confirm(
    *, actor: Any, declaration: PaymentDeclaration | int, reference: str = "", today: dt.date | None = None
) -> PaymentDeclaration:
    """The creditor confirms the declared payment: it becomes a Payment, settled oldest first."""
    from .services import payment_record

    case, locked = _lock(actor, declaration)
    if not may_report_payments(actor, case):
        raise NotAllowed(_("Only the creditor institution of the case answers a declared payment."), code="role")
    if locked.status == DeclarationStatus.CONFIRMED:
        return locked  # a double click
    if locked.status != DeclarationStatus.DECLARED:
        raise DomainError(
            _("This declared payment is %(status)s: it can no longer be confirmed.")
            % {"status": DeclarationStatus(locked.status).label},
            code="not_declared",
        )
    payment = payment_record(
        actor=actor,
        case=case,
        paid_on=locked.paid_on,
        amount=locked.amount,
        reference=(reference or "").strip() or locked.reference,
        today=today,
        source=PaymentSource.DECLARED,
    )
    locked.status = DeclarationStatus.CONFIRMED
    locked.payment = payment
    locked.answered_at = timezone.now()
    locked.answered_by_label = actor_ref(actor).label[:200]
    locked.save(update_fields=["status", "payment", "answered_at", "answered_by_label"])
    case_event_record(
        case,
        actor=actor,
        kind="declaration_confirmed",
        note=_("The declared payment of %(amount)s yuan (%(date)s) is confirmed.")
        % {"amount": locked.amount, "date": locked.paid_on.isoformat()},
        data={"declaration": locked.pk, "payment": payment.pk},
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_DECLARATION,
        obj=locked,
        before={"status": DeclarationStatus.DECLARED},
        after={"status": DeclarationStatus.CONFIRMED, "payment": payment.pk, "reference": payment.reference},
    )
    _tell_debtor(
        case,
        _("Xietong: %(creditor)s confirmed your payment of %(amount)s yuan on %(date)s (case %(number)s).")
        % {
            "creditor": case.institution.display_name if case.institution else "",
            "amount": locked.amount,
            "date": locked.paid_on.isoformat(),
            "number": case.number,
        },
    )
    return locked


@transaction.atomic
def declaration_dispute(*, actor: Any, declaration: PaymentDeclaration | int, reason: str) -> PaymentDeclaration:
    """The creditor disputes the declared payment, with its reason: it goes to the case's mediator."""
    case, locked = _lock(actor, declaration)
    if not may_report_payments(actor, case):
        raise NotAllowed(_("Only the creditor institution of the case answers a declared payment."), code="role")
    if locked.status == DeclarationStatus.DISPUTED:
        return locked
    if locked.status != DeclarationStatus.DECLARED:
        raise DomainError(
            _("This declared payment is %(status)s: it can no longer be disputed.")
            % {"status": DeclarationStatus(locked.status).label},
            code="not_declared",
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you dispute the payment (e.g. nothing was received)."), code="note_required")
    locked.status = DeclarationStatus.DISPUTED
    locked.dispute_reason = reason
    locked.answered_at = timezone.now()
    locked.answered_by_label = actor_ref(actor).label[:200]
    locked.save(update_fields=["status", "dispute_reason", "answered_at", "answered_by_label"])
    to = settlers(case)
    case_event_record(
        case,
        actor=actor,
        kind="declaration_disputed",
        note=_("The declared payment of %(amount)s yuan (%(date)s) is disputed: %(reason)s. Sent to %(to)s.")
        % {
            "amount": locked.amount,
            "date": locked.paid_on.isoformat(),
            "reason": reason,
            "to": "、".join(str(u) for u in to) or "—",
        },
        data={"declaration": locked.pk, "to": [u.pk for u in to]},
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_DECLARATION,
        obj=locked,
        before={"status": DeclarationStatus.DECLARED},
        after={"status": DeclarationStatus.DISPUTED, "reason": reason, "to": [u.pk for u in to]},
    )
    _tell(
        to,
        _("Disputed payment in case %(number)s") % {"number": case.number},
        _(
            "Xietong: the creditor disputes a payment of %(amount)s yuan the debtor declared in case %(number)s. "
            "Please settle it: %(link)s"
        )
        % {"amount": locked.amount, "number": case.number, "link": case_repayment_link(case)},
    )
    _tell_debtor(
        case,
        _(
            "Xietong: the creditor has not confirmed your payment of %(amount)s yuan (case %(number)s). "
            "The mediator will look into it with you."
        )
        % {"amount": locked.amount, "number": case.number},
    )
    return locked


SETTLE_OUTCOMES = ("paid", "not_paid")


@transaction.atomic
def declaration_settle(
    *,
    actor: Any,
    declaration: PaymentDeclaration | int,
    outcome: str,
    note: str,
    amount: Decimal | str | None = None,
    today: dt.date | None = None,
) -> PaymentDeclaration:
    """The mediator (or the court) records how a disputed payment was settled: paid (the amount found
    paid, at most the one declared, becomes a Payment) or not paid."""
    from .services import payment_record

    case, locked = _lock(actor, declaration)
    if not may_settle_declarations(actor, case):
        raise NotAllowed(_("Only the case's mediator or the court settles a disputed payment."), code="role")
    if locked.status in (DeclarationStatus.SETTLED_PAID, DeclarationStatus.SETTLED_UNPAID):
        return locked
    if locked.status != DeclarationStatus.DISPUTED:
        raise DomainError(_("Only a disputed payment is settled."), code="not_disputed")
    if outcome not in SETTLE_OUTCOMES:
        raise DomainError(_("Choose how the dispute was settled."), code="outcome")
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say how the dispute was settled (what each side showed)."), code="note_required")
    payment = None
    if outcome == "paid":
        value = locked.amount if amount in (None, "") else money_parse(amount, _("Amount"))  # type: ignore[arg-type]
        if value <= 0 or value > locked.amount:
            raise DomainError(
                _("The amount found paid is more than zero and at most the %(amount)s yuan declared.")
                % {"amount": locked.amount},
                code="amount",
            )
        plan = plan_current(case)
        if plan is None or plan.status == PlanStatus.SUPERSEDED:
            raise DomainError(_("The case has no repayment plan."), code="no_plan")
        payment = payment_record(
            actor=actor,
            case=case,
            paid_on=locked.paid_on,
            amount=value,
            reference=locked.reference,
            today=today,
            source=PaymentSource.MEDIATION,
        )
    locked.status = DeclarationStatus.SETTLED_PAID if payment else DeclarationStatus.SETTLED_UNPAID
    locked.payment = payment
    locked.settled_at = timezone.now()
    locked.settled_by_label = actor_ref(actor).label[:200]
    locked.settlement_note = note
    locked.save(update_fields=["status", "payment", "settled_at", "settled_by_label", "settlement_note"])
    case_event_record(
        case,
        actor=actor,
        kind="declaration_settled",
        note=(
            _("The disputed payment is settled as paid (%(amount)s yuan): %(note)s")
            % {"amount": payment.amount, "note": note}
            if payment
            else _("The disputed payment is settled as not paid: %(note)s") % {"note": note}
        ),
        data={"declaration": locked.pk, "outcome": outcome, "payment": payment.pk if payment else None},
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPAYMENT_DECLARATION,
        obj=locked,
        before={"status": DeclarationStatus.DISPUTED},
        after={
            "status": locked.status,
            "note": note,
            "payment": payment.pk if payment else None,
            "amount": payment.amount if payment else None,
        },
    )
    _tell_debtor(
        case,
        (
            _("Xietong: your payment of %(amount)s yuan in case %(number)s is recorded after mediation.")
            % {"amount": payment.amount, "number": case.number}
            if payment
            else _("Xietong: after mediation, your declared payment in case %(number)s is not recorded as paid.")
            % {"number": case.number}
        ),
    )
    return locked
