"""Writes for agreements: draft, send for signing, sign (one-time code, operator, counter), freeze, void.

Rules:
- The case's mediator drafts while the case is in mediation. `agreed` = the case's total − `waived`
  (interest and penalty given up: at most interest + penalty). The instalments sum to `agreed` exactly.
- A new draft voids the previous version unless a party has signed it: then the mediator must void
  it first, with a reason. (A version signed by all whose confirmation the court refused — the case is
  back in mediation — is voided by the new draft, the refusal being the reason.)
- Every party of the case signs: a citizen (or the relative acting for them) with a one-time code
  sent to their own phone; an institution through its operator or API client; anyone on paper at the
  counter, recorded by a clerk or the mediator. A second click returns the same signature, writes nothing.
- The last signature freezes the version in the same transaction: the content snapshot, its SHA-256
  (in the audit trail), the PDF, and the case's step "reach_agreement", taken by the system.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from xietong.accounts.models import User
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, actor_ref, audit_record
from xietong.cases.choices import CaseState
from xietong.cases.models import Case, CaseParty
from xietong.cases.permissions import case_require
from xietong.cases.services import case_event_record, case_lock, case_transition, waiver_check
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.core.masking import mask_phone
from xietong.core.messages import message
from xietong.core.money import money_parse
from xietong.documents.render import sha256
from xietong.notifications.models import OtpPurpose
from xietong.notifications.services import otp_issue, otp_verify, public_url, sms_send

from .choices import DEFAULT_AFTER_MISSED, DEFAULT_GRACE_DAYS, MAX_GRACE_DAYS, AgreementStatus, SignatureMethod
from .documents import agreement_content, agreement_render_pdf, content_hash
from .models import Agreement, AgreementSignature, Instalment
from .permissions import party_may_sign_as
from .plans import Plan, plan_check, plan_instalments
from .selectors import may_record_counter_signature, parties_of

logger = logging.getLogger(__name__)

OPEN = (AgreementStatus.DRAFT, AgreementStatus.SIGNING)


def _lock_agreement(agreement: Agreement | int) -> Agreement:
    pk = agreement.pk if isinstance(agreement, Agreement) else agreement
    locked = Agreement.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound(_("No such agreement."))
    return locked


def _visible(actor: Any, case: Case) -> None:
    """The case is visible to the actor. (Every write then requires the case in mediation, which an
    ended case never is: its refusal names the state, more precisely than restrict(actor, "change").)"""
    case_require(actor=actor, case=case)


def _must_be_mediating(case: Case) -> None:
    if case.state != CaseState.MEDIATING:
        raise DomainError(
            _("The agreement can only be drafted and signed while the case is in mediation (it is %(state)s).")
            % {"state": CaseState(case.state).label},
            code="not_mediating",
        )


def _must_be_case_mediator(actor: Any, case: Case) -> None:
    if not may(actor, "agreements.draft", case):
        raise NotAllowed(_("Only the mediator assigned to this case drafts its agreement."), code="not_case_mediator")


def _void(agreement: Agreement, *, actor: Any, reason: str) -> None:
    before = {"status": agreement.status, "signatures": agreement.signatures.count()}
    agreement.status = AgreementStatus.VOID
    agreement.voided_at = timezone.now()
    agreement.voided_by = actor_ref(actor).label
    agreement.void_reason = reason
    agreement.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    case_event_record(
        agreement.case,
        actor=actor,
        kind="agreement_voided",
        note=reason,
        data={"version": agreement.version},
    )
    audit_record(
        actor=actor,
        action=AuditAction.AGREEMENT_WITHDRAW,
        obj=agreement,
        before=before,
        after={"status": AgreementStatus.VOID, "reason": reason, "version": agreement.version},
    )


@transaction.atomic
def agreement_draft(
    *,
    actor: Any,
    case: Case | int,
    waived: Decimal | str,
    first_due: dt.date,
    default_clause: str,
    terms: str = "",
    months: int | None = None,
    instalments: Plan | None = None,
    day_of_month: int | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    default_after_missed: int = DEFAULT_AFTER_MISSED,
    accelerate: bool = True,
) -> Agreement:
    """Draft a new version of the case's agreement: `months` equal instalments, or a hand-edited plan.

    The default terms are structured: `grace_days` after a due date an unpaid instalment is late,
    then missed; `default_after_missed` missed instalments default the plan; `accelerate`: the whole
    balance then falls due at once."""
    locked = case_lock(case)
    _visible(actor, locked)
    _must_be_case_mediator(actor, locked)
    _must_be_mediating(locked)
    waived_amount = money_parse(waived, _("Amount waived"))
    agreed = waiver_check(case=locked, waived=waived_amount)
    if not default_clause.strip():
        raise DomainError(_("Say what happens if a payment is missed."), code="no_default_clause")
    if not 0 <= grace_days <= MAX_GRACE_DAYS:
        raise DomainError(
            _("The grace period is between 0 and %(max)d days.") % {"max": MAX_GRACE_DAYS}, code="grace_days"
        )
    today = timezone.localdate()
    if instalments is not None:
        plan = plan_check(instalments, agreed, today=today)
    else:
        if months is None:
            raise DomainError(_("Give the number of months or the instalments."), code="plan_missing")
        if first_due < today:
            raise DomainError(
                _("The first instalment (%(date)s) is in the past.") % {"date": first_due.isoformat()},
                code="plan_past",
            )
        plan = plan_instalments(agreed, months, first_due, day_of_month=day_of_month)
    if not 1 <= default_after_missed <= len(plan):
        raise DomainError(
            _("The plan defaults after between 1 and %(n)d missed instalments (it has %(n)d).") % {"n": len(plan)},
            code="default_after_missed",
        )
    previous = Agreement.objects.select_for_update().filter(case=locked).exclude(status=AgreementStatus.VOID)
    version = (
        Agreement.objects.filter(case=locked).order_by("-version").values_list("version", flat=True).first() or 0
    ) + 1
    for old in previous:
        if old.status == AgreementStatus.SIGNED:
            # Signed by all, and yet the case is back in mediation: the court refused to confirm it.
            _void(
                old,
                actor=actor,
                reason=_("Replaced by version %(v)d after the court refused confirmation.") % {"v": version},
            )
        elif old.signatures.exists():
            raise DomainError(
                _("Version %(v)d has been signed by a party: void it, with a reason, before drafting a new one.")
                % {"v": old.version},
                code="signed_in_part",
            )
        else:
            _void(old, actor=actor, reason=_("Replaced by version %(v)d.") % {"v": version})
    agreement = Agreement.objects.create(
        case=locked,
        version=version,
        status=AgreementStatus.DRAFT,
        total=locked.total,
        waived=waived_amount,
        agreed=agreed,
        first_due=plan[0][0],
        default_clause=default_clause.strip(),
        grace_days=grace_days,
        default_after_missed=default_after_missed,
        accelerate=accelerate,
        terms=terms.strip(),
        drafted_by=actor if isinstance(actor, User) else None,
    )
    Instalment.objects.bulk_create(
        [Instalment(agreement=agreement, seq=n, due_date=d, amount=a) for n, (d, a) in enumerate(plan, start=1)]
    )
    after = {
        "version": version,
        "total": locked.total,
        "waived": waived_amount,
        "agreed": agreed,
        "instalments": [[d.isoformat(), str(a)] for d, a in plan],
        "default_terms": {
            "grace_days": grace_days,
            "default_after_missed": default_after_missed,
            "accelerate": accelerate,
        },
    }
    case_event_record(
        locked,
        actor=actor,
        kind="agreement_drafted",
        note=message(
            gettext_noop("Version %(v)d: %(agreed)s yuan in %(n)d instalments."), v=version, agreed=agreed, n=len(plan)
        ),
        data={"version": version, "agreed": str(agreed)},
    )
    audit_record(actor=actor, action=AuditAction.AGREEMENT_DRAFT, obj=agreement, after=after)
    return agreement


def _signer_phone(party: CaseParty, how: str) -> str:
    person = party.agent if how == "agent" else party.person
    return person.phone if person else ""


@transaction.atomic
def agreement_send(*, actor: Any, agreement: Agreement | int, notify: bool = True) -> Agreement:
    """The mediator sends the draft for signing; each citizen party (or their relative) gets a message."""
    locked = _lock_agreement(agreement)
    case = case_lock(locked.case_id)
    _visible(actor, case)
    _must_be_case_mediator(actor, case)
    _must_be_mediating(case)
    if locked.status != AgreementStatus.DRAFT:
        raise DomainError(_("Only a draft can be sent for signing."), code="not_draft")
    locked.status = AgreementStatus.SIGNING
    locked.sent_at = timezone.now()
    locked.save(update_fields=["status", "sent_at"])
    case_event_record(case, actor=actor, kind="agreement_sent", data={"version": locked.version})
    audit_record(
        actor=actor,
        action=AuditAction.AGREEMENT_DRAFT,
        obj=locked,
        before={"status": AgreementStatus.DRAFT},
        after={"status": AgreementStatus.SIGNING, "version": locked.version},
    )
    if notify:
        for party in parties_of(locked):
            person = party.agent or party.person
            if person is not None and person.phone:
                sms_send(to=person.phone, text=signing_message(case, person))
    return locked


def signing_message(case: Case, reader: Any) -> str:
    """The text telling a party (or the relative acting for them) that the agreement awaits their signature,
    with the page to open: the agreement on the case page for whoever has an account; for a party filed
    for at a station or the counter, who has none yet, the page that takes the case over with the phone on
    file (after which the case page opens)."""
    if reader.user_id is not None:
        link = public_url(reverse("case-detail", kwargs={"pk": case.pk}) + "#agreement")
        text = _(
            "Xietong: the mediation agreement of case %(number)s is ready for your signature. "
            "Log in to read and sign it: %(link)s"
        )
    else:
        link = public_url(reverse("intake-claim"))
        text = _(
            "Xietong: the mediation agreement of case %(number)s is ready for your signature. "
            "Take the case over online with this phone number to read and sign it, or sign it at the center: "
            "%(link)s"
        )
    return text % {"number": case.number, "link": link}


def _sign_target(actor: Any, agreement: Agreement | int, case_party: CaseParty | int) -> tuple[Agreement, CaseParty]:
    a = agreement if isinstance(agreement, Agreement) else Agreement.objects.filter(pk=agreement).first()
    if a is None:
        raise NotFound(_("No such agreement."))
    _visible(actor, a.case)
    party_pk = case_party.pk if isinstance(case_party, CaseParty) else case_party
    party = (
        CaseParty.objects.select_related("person", "agent", "organisation")
        .filter(pk=party_pk, case_id=a.case_id)
        .first()
    )
    if party is None:
        raise NotAllowed(_("This is not a party of the case."), code="not_a_party")
    return a, party


def _existing(agreement: Agreement, party: CaseParty) -> AgreementSignature | None:
    return AgreementSignature.objects.filter(agreement=agreement, case_party=party).first()


def _check_signable(agreement: Agreement, case: Case) -> None:
    _must_be_mediating(case)
    if agreement.status != AgreementStatus.SIGNING:
        raise DomainError(
            _("This agreement is not open for signing (it is %(status)s).")
            % {"status": AgreementStatus(agreement.status).label},
            code="not_signing",
        )


def _otp_subject(agreement: Agreement, party: CaseParty) -> str:
    return f"agreement:{agreement.pk}:party:{party.pk}"


def _online_signer(actor: Any, party: CaseParty) -> str:
    how = party_may_sign_as(actor, party)
    if not how:
        raise NotAllowed(_("You may not sign for this party."), code="not_signer")
    return how


def agreement_sign_code(*, actor: Any, agreement: Agreement | int, case_party: CaseParty | int) -> str:
    """Send a one-time code to the signer's own phone (the party's, or the acting relative's); return it masked."""
    a, party = _sign_target(actor, agreement, case_party)
    how = _online_signer(actor, party)
    if how not in ("person", "agent"):
        raise DomainError(_("Institutions sign through their operator, without a code."), code="no_code_needed")
    if _existing(a, party) is not None:
        raise DomainError(_("This party has signed already."), code="already_signed")
    _check_signable(a, a.case)
    phone = _signer_phone(party, how)
    if not phone:
        raise DomainError(
            _("There is no phone number on file for the signer: please sign at the center's counter."),
            code="no_phone",
        )
    with transaction.atomic():
        otp_issue(phone=phone, purpose=OtpPurpose.SIGN, subject=_otp_subject(a, party))
    return mask_phone(phone)


def agreement_sign_otp(
    *,
    actor: Any,
    agreement: Agreement | int,
    case_party: CaseParty | int,
    code: str,
    ip: str | None = None,
    render_pdf: bool = True,
) -> AgreementSignature:
    """A citizen (or the relative acting for them) signs with the code sent to their phone."""
    a, party = _sign_target(actor, agreement, case_party)
    how = _online_signer(actor, party)
    if how not in ("person", "agent"):
        raise DomainError(_("Institutions sign through their operator, without a code."), code="no_code_needed")
    existing = _existing(a, party)
    if existing is not None:
        return existing  # a second click: the same signature, nothing written
    _check_signable(a, a.case)
    # Verified in its own transaction so that a wrong code counts even though we refuse.
    if not otp_verify(
        phone=_signer_phone(party, how), purpose=OtpPurpose.SIGN, subject=_otp_subject(a, party), code=code
    ):
        raise DomainError(_("The code is wrong or has expired. Ask for a new one."), code="otp_invalid")
    person = party.agent if how == "agent" else party.person
    signer = person.name if person else str(actor)
    if how == "agent" and party.person:
        signer = _("%(agent)s for %(person)s") % {"agent": signer, "person": party.person.name}
    return _sign(
        actor=actor, agreement=a, party=party, method=SignatureMethod.OTP, signer=signer, ip=ip, render_pdf=render_pdf
    )


def agreement_sign_operator(
    *,
    actor: Any,
    agreement: Agreement | int,
    case_party: CaseParty | int | None = None,
    ip: str | None = None,
    render_pdf: bool = True,
) -> AgreementSignature:
    """The institution signs through its operator (or its API client): no code, one click."""
    a = agreement if isinstance(agreement, Agreement) else Agreement.objects.filter(pk=agreement).first()
    if a is None:
        raise NotFound(_("No such agreement."))
    if case_party is None:
        if not may(actor, "agreements.sign_for_institution"):
            raise NotAllowed(_("You may not sign for this party."), code="not_signer")
        _visible(actor, a.case)
        found = CaseParty.objects.filter(case_id=a.case_id, organisation_id=actor.organisation_id).first()
        if found is None:
            raise NotAllowed(_("Your institution is not a party of the case."), code="not_a_party")
        case_party = found
    a, party = _sign_target(actor, a, case_party)
    if _online_signer(actor, party) != "operator":
        raise NotAllowed(_("You may not sign for this party."), code="not_signer")
    existing = _existing(a, party)
    if existing is not None:
        return existing
    _check_signable(a, a.case)
    signer = _("%(institution)s, by %(operator)s") % {"institution": party.name, "operator": actor_ref(actor).label}
    return _sign(
        actor=actor,
        agreement=a,
        party=party,
        method=SignatureMethod.OPERATOR,
        signer=signer,
        ip=ip,
        render_pdf=render_pdf,
    )


def agreement_sign_counter(
    *,
    actor: Any,
    agreement: Agreement | int,
    case_party: CaseParty | int,
    ip: str | None = None,
    render_pdf: bool = True,
) -> AgreementSignature:
    """A clerk (or the mediator) records that a party signed the printed agreement at the counter."""
    a, party = _sign_target(actor, agreement, case_party)
    if not may_record_counter_signature(actor, a.case):
        raise NotAllowed(_("Only the center's staff and the case's mediator record paper signatures."), code="role")
    existing = _existing(a, party)
    if existing is not None:
        return existing
    _check_signable(a, a.case)
    signer = party.agent.name if party.agent else party.name
    if party.agent and party.person:
        signer = _("%(agent)s for %(person)s") % {"agent": signer, "person": party.person.name}
    return _sign(
        actor=actor,
        agreement=a,
        party=party,
        method=SignatureMethod.COUNTER,
        signer=signer,
        ip=ip,
        render_pdf=render_pdf,
    )


@transaction.atomic
def _sign(
    *,
    actor: Any,
    agreement: Agreement,
    party: CaseParty,
    method: str,
    signer: str,
    ip: str | None = None,
    render_pdf: bool = True,
    transition_note: str = "",
    signed_at: dt.datetime | None = None,
) -> AgreementSignature:
    """Record one signature (callers have checked who may sign); freeze on the last one."""
    case = case_lock(agreement.case_id)
    locked = _lock_agreement(agreement)
    existing = _existing(locked, party)
    if existing is not None:
        return existing
    _check_signable(locked, case)
    signature = AgreementSignature.objects.create(
        agreement=locked,
        case_party=party,
        signed_by=actor if isinstance(actor, User) else None,
        signer=signer[:200],
        method=method,
        signed_at=signed_at or timezone.now(),
        ip=ip or None,
    )
    case_event_record(
        case,
        actor=actor,
        kind="agreement_signed",
        note=message(gettext_noop("%(signer)s · %(method)s"), signer=signer, method=SignatureMethod(method).label),
        data={"version": locked.version, "party": party.name},
    )
    audit_record(
        actor=actor,
        action=AuditAction.AGREEMENT_SIGN,
        obj=locked,
        after={
            "version": locked.version,
            "party_id": party.pk,
            "party": party.name,
            "signer": signer,
            "method": method,
        },
        ip_address=ip,
    )
    all_parties = set(CaseParty.objects.filter(case_id=case.pk).values_list("pk", flat=True))
    signed = set(AgreementSignature.objects.filter(agreement=locked).values_list("case_party_id", flat=True))
    if all_parties <= signed:
        _freeze(locked, render_pdf=render_pdf, note=transition_note)
    return signature


def _freeze(agreement: Agreement, *, render_pdf: bool, note: str = "") -> None:
    agreement.status = AgreementStatus.SIGNED
    agreement.frozen_at = timezone.now()
    content = agreement_content(agreement)
    agreement.content = content
    agreement.content_hash = content_hash(content)
    agreement.save(update_fields=["status", "frozen_at", "content", "content_hash"])
    audit_record(
        actor=SYSTEM,
        action=AuditAction.AGREEMENT_FREEZE,
        obj=agreement,
        before={"status": AgreementStatus.SIGNING},
        after={
            "status": AgreementStatus.SIGNED,
            "version": agreement.version,
            "content_hash": agreement.content_hash,
            "agreed": content["agreed"],
            "parties": len(content["parties"]),
        },
    )
    if render_pdf:
        # Rendered after the commit, in the background: no lock is held while a PDF renders; the
        # content and its hash are frozen above, the PDF's hash is recorded when it exists.
        agreement_id = agreement.pk
        transaction.on_commit(lambda: agreement_pdf_enqueue(agreement_id=agreement_id))
    case_transition(
        case=agreement.case_id,
        code="reach_agreement",
        actor=SYSTEM,
        note=note
        or _("All parties signed version %(v)d of the agreement (SHA-256 %(hash)s).")
        % {"v": agreement.version, "hash": agreement.content_hash[:16]},
    )


def _store_pdf(agreement: Agreement) -> None:
    data = agreement_render_pdf(agreement)
    agreement.pdf.save(f"agreement-{agreement.case_id}-v{agreement.version}.pdf", ContentFile(data), save=False)
    agreement.pdf_sha256 = sha256(data)
    agreement.save(update_fields=["pdf", "pdf_sha256"])


def agreement_pdf_enqueue(*, agreement_id: int) -> None:
    from .tasks import agreement_pdf_render

    try:
        agreement_pdf_render.enqueue(agreement_id)
    except Exception:
        logger.exception("agreement %s: the PDF task could not be queued; it renders on first download", agreement_id)


@transaction.atomic
def agreement_pdf_ensure(*, agreement: Agreement) -> Agreement:
    """The frozen agreement's PDF, rendered and stored on first need (the demo freezes without it)."""
    locked = _lock_agreement(agreement)
    if locked.content is None:
        raise DomainError(_("Only a signed agreement has a stored PDF."), code="not_frozen")
    if not locked.pdf:
        _store_pdf(locked)  # its hash on the row; every download's audit entry carries it
    return locked


@transaction.atomic
def agreement_void(*, actor: Any, agreement: Agreement | int, reason: str) -> Agreement:
    """Void a version, with a reason; its signatures stay on record, void with it.

    The case's mediator voids an unsigned or partly signed version while the case is in mediation;
    the court (its judges and clerks) and the center void any version, e.g. when confirmation is refused.
    """
    a = agreement if isinstance(agreement, Agreement) else Agreement.objects.filter(pk=agreement).first()
    if a is None:
        raise NotFound(_("No such agreement."))
    case = case_lock(a.case_id)
    locked = _lock_agreement(a)
    _visible(actor, case)
    if not reason.strip():
        raise DomainError(_("Give a reason for voiding the agreement."), code="note_required")
    if locked.status == AgreementStatus.VOID:
        raise DomainError(_("This agreement is void already."), code="already_void")
    if may(actor, "agreements.draft"):  # a mediator: the case's own, while it is mediated
        _must_be_case_mediator(actor, case)
        if case.state != CaseState.MEDIATING:
            raise DomainError(
                _("The signed agreement is with the court: only the court can set it aside."), code="with_the_court"
            )
    elif not may(actor, "agreements.void", case):
        raise NotAllowed(_("Only the mediator or the court may void an agreement."), code="role")
    _void(locked, actor=actor, reason=reason.strip())
    return locked
