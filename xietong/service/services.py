"""Writes for the service of documents (送达).

Who is served how: a person with a confirmed service address (送达地址确认书) who consents to
electronic service gets a link by SMS and/or e-mail; without consent, a letter to the confirmed
address; without a confirmation, a letter to the address on file, flagged. Institutions are served in
the platform: the record is served when one of their operators opens the document.

Every write locks what it changes, writes the audit trail in the same transaction, and sends its
messages on commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import ActorRef, actor_ref, audit_record
from xietong.cases.models import Case, CaseParty
from xietong.cases.services import case_event_record, case_lock
from xietong.core.errors import Conflict, DomainError, NotAllowed, NotFound
from xietong.notifications.services import email_send, public_url, sms_send

from .choices import (
    FAILURES,
    OUTCOMES_BY_METHOD,
    AddressSource,
    AlternativeKind,
    AttemptMethod,
    DocumentKind,
    OpenedVia,
    Outcome,
    RecordStatus,
    ServedBy,
)
from .models import ServedDocument, ServiceAttempt, ServiceRecord

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
REPEAT_WINDOW = dt.timedelta(seconds=60)  # a second identical click within this is the same write
TOKEN_BYTES = 32


# Who may do what ---------------------------------------------------------------------------------


def may_send(actor: Any, case: Case) -> bool:
    return may(actor, "service.send", case)


def may_record(actor: Any, case: Case) -> bool:
    return may(actor, "service.record", case)


def is_recipient(actor: Any, record: ServiceRecord) -> bool:
    """The party served (or the relative acting for them), or an operator of the institution served."""
    return may(actor, "service.receive", record)


# Where and how ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddressChoice:
    method: str  # AttemptMethod
    source: str  # AddressSource
    address: str
    phone: str = ""
    email: str = ""

    @property
    def no_confirmed_address(self) -> bool:
        return self.source in (AddressSource.ON_FILE, AddressSource.NONE)


def service_address_for(*, case: Case, party: CaseParty) -> AddressChoice:
    """The confirmed service address first; the address on file only when there is none."""
    from xietong.intake.models import ServiceAddressConfirmation
    from xietong.parties.choices import AddressKind

    if party.organisation_id is not None:
        org = party.organisation
        return AddressChoice(
            method=AttemptMethod.ELECTRONIC,
            source=AddressSource.ORGANISATION,
            address=org.address if org else "",
        )
    confirmed = (
        ServiceAddressConfirmation.objects.filter(case=case, person=party.person).first() if party.person else None
    )
    if confirmed is not None:
        address = confirmed.address if confirmed.country == "CN" else f"{confirmed.address} ({confirmed.country})"
        if confirmed.consent_electronic_service and (confirmed.phone or confirmed.email):
            return AddressChoice(
                method=AttemptMethod.ELECTRONIC,
                source=AddressSource.CONFIRMED,
                address=address,
                phone=confirmed.phone,
                email=confirmed.email,
            )
        return AddressChoice(method=AttemptMethod.POSTAL, source=AddressSource.CONFIRMED, address=address)
    person = party.person
    order: dict[str, int] = {
        AddressKind.SERVICE: 0,
        AddressKind.RESIDENCE: 1,
        AddressKind.DOMICILE: 2,
        AddressKind.WORK: 3,
    }
    addresses = sorted(person.addresses.all(), key=lambda a: (order.get(a.kind, 9), a.pk)) if person else []
    if addresses:
        return AddressChoice(method=AttemptMethod.POSTAL, source=AddressSource.ON_FILE, address=str(addresses[0]))
    return AddressChoice(method=AttemptMethod.POSTAL, source=AddressSource.NONE, address="")


# Helpers --------------------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_path(token: str) -> str:
    return reverse("service-open", kwargs={"token": token})


def _link(token: str) -> str:
    return public_url(link_path(token))


def _when(at: dt.datetime | None, *, not_before: dt.datetime | None = None) -> dt.datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise DomainError(_("The time must include a time zone."), code="naive_time")
    if at > now + dt.timedelta(minutes=1):
        raise DomainError(_("The time of an attempt cannot be in the future."), code="future_time")
    if not_before is not None and at < not_before:
        raise DomainError(_("The time cannot be before the document was sent."), code="time_before_sending")
    return at


def _timeline(case: Case, *, actor: Any, kind: str, at: dt.datetime, data: dict[str, Any], note: str = "") -> None:
    """A timeline entry at the time it happened."""
    case_event_record(case, actor=actor, kind=kind, at=at, data=data, note=note)


def record_snapshot(record: ServiceRecord) -> dict[str, Any]:
    return {
        "document": record.document_id,
        "recipient": record.recipient_id,
        "status": record.status,
        "planned_method": record.planned_method,
        "served_by": record.served_by,
        "served_at": record.served_at,
        "address_source": record.address_source,
        "opened_at": record.opened_at,
    }


def _issue_link(record: ServiceRecord, *, choice: AddressChoice, document: ServedDocument, notify: bool = True) -> str:
    """A new unguessable link for this record (an earlier link stops working), sent on commit."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    record.token_hash = token_hash(token)
    record.save(update_fields=["token_hash"])
    if not notify:  # the demo's history: those messages went out back then
        return token
    case = document.case
    text = _(
        "%(court)s serves you a document in case %(number)s: %(title)s. Open it here (this link is for you only): "
        "%(link)s"
    ) % {"court": case.court.name, "number": case.number, "title": document.title, "link": _link(token)}
    if choice.phone:
        sms_send(to=choice.phone, text=text)
    if choice.email:
        email_send(
            to=choice.email, subject=_("A document served on you: %(title)s") % {"title": document.title}, text=text
        )
    return token


def _check_pdf(content: bytes) -> None:
    if not content:
        raise DomainError(_("The document is empty."), code="empty_document")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DomainError(
            _("The document is larger than %(mb)s MB.") % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)},
            code="document_too_large",
        )
    if not content.startswith(PDF_MAGIC):
        raise DomainError(_("Only PDF documents are served; this file is not a PDF."), code="not_a_pdf")


# Services -------------------------------------------------------------------------------------------


@transaction.atomic
def service_send(
    *,
    actor: Any,
    case: Case,
    kind: str,
    title: str,
    content: bytes,
    filename: str,
    recipients: list[CaseParty] | None = None,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> ServedDocument:
    """Send a document for service on the recipients (None: every party of the case).

    One record per recipient, with its first attempt: a link by SMS/e-mail (or an in-platform notice
    for an institution), or a letter posted. `at` is when it was sent, if not now, and `notify=False`
    sends no message (both for the demo's history only).
    """
    locked = case_lock(case, related=("court",))
    if not may_send(actor, locked):
        raise NotAllowed(_("Documents of this case are sent by its court, its mediator or the center."))
    if kind not in DocumentKind.values:
        raise DomainError(_("Unknown kind of document."), code="document_kind")
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the document a title."), code="title_required")
    if len(title) > 200:
        raise DomainError(_("The title is too long (200 characters at most)."), code="title_too_long")
    _check_pdf(content)
    when = _when(at, not_before=locked.submitted_at)
    parties = list(locked.parties.select_related("person", "organisation"))
    if recipients is None:
        chosen = parties
    else:
        by_pk = {p.pk: p for p in parties}
        if not recipients or any(r.pk not in by_pk for r in recipients):
            raise DomainError(_("Every recipient must be a party of this case."), code="not_a_party")
        chosen = [by_pk[r.pk] for r in dict.fromkeys(recipients)]
    if not chosen:
        raise DomainError(_("The case has no parties to serve."), code="no_recipients")
    digest = hashlib.sha256(content).hexdigest()
    ref = actor_ref(actor)
    # A second click on the same form sends nothing more.
    repeat = (
        ServedDocument.objects.filter(
            case=locked,
            kind=kind,
            title=title,
            sha256=digest,
            created_by_label=ref.label,
            created_at__gte=when - REPEAT_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )
    if repeat is not None and at is None:
        return repeat
    name = get_valid_filename(filename or "document.pdf") or "document.pdf"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    document = ServedDocument(
        case=locked,
        kind=kind,
        title=title,
        sha256=digest,
        size=len(content),
        created_by=actor if ref.kind == "user" else None,
        created_by_label=ref.label,
        created_at=when,
    )
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    sent = []
    for party in chosen:
        choice = service_address_for(case=locked, party=party)
        record = ServiceRecord.objects.create(
            document=document,
            recipient=party,
            planned_method=choice.method,
            address=choice.address[:400],
            address_source=choice.source,
            created_at=when,
        )
        if choice.method == AttemptMethod.ELECTRONIC:
            if party.organisation_id is None:
                _issue_link(record, choice=choice, document=document, notify=notify)
                note = _("link sent by %(channels)s") % {
                    "channels": " + ".join(c for c, v in (("SMS", choice.phone), ("e-mail", choice.email)) if v)
                }
            else:
                note = _("notice in the platform")
            ServiceAttempt.objects.create(
                record=record,
                method=AttemptMethod.ELECTRONIC,
                at=when,
                outcome=Outcome.SENT,
                note=note,
                recorded_by=ref.label,
            )
        elif choice.address:
            ServiceAttempt.objects.create(
                record=record, method=AttemptMethod.POSTAL, at=when, outcome=Outcome.SENT, recorded_by=ref.label
            )
        sent.append({"party": party.pk, "method": choice.method, "address_from": choice.source})
    audit_record(
        actor=actor,
        action=AuditAction.SERVICE_SEND,
        obj=document,
        after={"case": locked.number, "kind": kind, "title": title, "sha256": digest, "recipients": sent},
    )
    _timeline(
        locked,
        actor=actor,
        kind="service_sent",
        at=when,
        data={"document": document.pk},
        note=title,
    )
    return document


def _lock_record(record: ServiceRecord | int) -> ServiceRecord:
    pk = record.pk if isinstance(record, ServiceRecord) else record
    found = (
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("document__case__court", "recipient__person", "recipient__organisation")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("No such service record."))
    return found


def _mark_served(record: ServiceRecord, *, by: str, at: dt.datetime) -> None:
    record.status = RecordStatus.SERVED
    record.served_by = by
    record.served_at = at
    record.save(update_fields=["status", "served_by", "served_at"])


@transaction.atomic
def service_attempt_record(
    *,
    actor: Any,
    record: ServiceRecord | int,
    method: str,
    outcome: str,
    tracking_number: str = "",
    note: str = "",
    at: dt.datetime | None = None,
) -> ServiceAttempt:
    """Record a step of serving: a letter posted or its outcome, a visit, a link sent again.

    delivered → the record is served; refused, address wrong, moved, no one home, returned → failed
    (another attempt may follow); sent → pending again (a retry). `at` is when it happened, from the
    postal receipt for instance (default now).
    """
    rec = _lock_record(record)
    case = rec.document.case
    if not may_record(actor, case):
        raise NotAllowed(_("Service is recorded by the clerks and judges of the court holding the case."))
    if rec.is_done:
        raise Conflict(_("This document has already been served on this party."), code="already_served")
    if method not in OUTCOMES_BY_METHOD:
        raise DomainError(_("Unknown method of service."), code="method")
    if outcome not in OUTCOMES_BY_METHOD[method]:
        raise DomainError(
            _("“%(outcome)s” cannot be recorded for service %(method)s.")
            % {
                "outcome": Outcome(outcome).label if outcome in Outcome.values else outcome,
                "method": AttemptMethod(method).label,
            },
            code="outcome",
        )
    tracking_number = (tracking_number or "").strip()[:40]
    note = (note or "").strip()[:500]
    when = _when(at, not_before=rec.document.created_at)
    ref = actor_ref(actor)
    last = rec.attempts.order_by("-recorded_at", "-pk").first()
    if (
        last is not None
        and at is None
        and (last.method, last.outcome, last.tracking_number, last.note, last.recorded_by)
        == (method, outcome, tracking_number, note, ref.label)
        and last.recorded_at >= timezone.now() - REPEAT_WINDOW
    ):
        return last  # the same click twice
    if method == AttemptMethod.ELECTRONIC and outcome == Outcome.SENT:
        choice = service_address_for(case=case, party=rec.recipient)
        if choice.method != AttemptMethod.ELECTRONIC:
            raise DomainError(
                _("This party has not consented to electronic service; serve by post or in person."),
                code="no_electronic_consent",
            )
        if rec.recipient.organisation_id is None:
            _issue_link(rec, choice=choice, document=rec.document)
            note = note or _("link sent again")
    before = record_snapshot(rec)
    attempt = ServiceAttempt.objects.create(
        record=rec,
        method=method,
        at=when,
        outcome=outcome,
        tracking_number=tracking_number,
        note=note,
        recorded_by=ref.label,
    )
    if outcome == Outcome.DELIVERED:
        _mark_served(rec, by=ServedBy(method), at=when)
        _timeline(
            case,
            actor=actor,
            kind="service_served",
            at=when,
            data={"document": rec.document_id, "party": rec.recipient.name, "by": method},
            note=f"{rec.document.title} · {rec.recipient.name}",
        )
    elif outcome in FAILURES:
        rec.status = RecordStatus.FAILED
        rec.save(update_fields=["status"])
    elif outcome == Outcome.SENT and rec.status == RecordStatus.FAILED:
        rec.status = RecordStatus.PENDING
        rec.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=AuditAction.SERVICE_ATTEMPT,
        obj=rec,
        before=before,
        after={
            **record_snapshot(rec),
            "attempt": attempt.pk,
            "method": method,
            "outcome": outcome,
            "tracking_number": tracking_number,
            "at": when,
        },
    )
    return attempt


@transaction.atomic
def service_alternative_record(
    *, actor: Any, record: ServiceRecord | int, kind: str, reason: str, at: dt.datetime | None = None
) -> ServiceRecord:
    """Serve by announcement (公告送达) or by leaving it at the address (留置送达), after a failed attempt."""
    rec = _lock_record(record)
    case = rec.document.case
    if not may_record(actor, case):
        raise NotAllowed(_("An alternative service is decided by the clerks and judges of the court."))
    if rec.is_done:
        raise Conflict(_("This document has already been served on this party."), code="already_served")
    if kind not in AlternativeKind.values:
        raise DomainError(_("Unknown kind of alternative service."), code="alternative_kind")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the alternative service."), code="reason_required")
    if not rec.attempts.filter(outcome__in=FAILURES).exists():
        raise DomainError(
            _("An alternative service needs at least one failed attempt on record first."), code="no_failed_attempt"
        )
    when = _when(at, not_before=rec.document.created_at)
    before = record_snapshot(rec)
    rec.status = RecordStatus.ALTERNATIVE
    rec.served_by = ServedBy(kind)
    rec.served_at = when
    rec.alternative_reason = reason[:2000]
    rec.save(update_fields=["status", "served_by", "served_at", "alternative_reason"])
    audit_record(
        actor=actor,
        action=AuditAction.SERVICE_ALTERNATIVE,
        obj=rec,
        before=before,
        after={**record_snapshot(rec), "reason": rec.alternative_reason},
    )
    _timeline(
        case,
        actor=actor,
        kind="service_alternative",
        at=when,
        data={"document": rec.document_id, "party": rec.recipient.name, "by": kind},
        note=f"{rec.document.title} · {rec.recipient.name} · {AlternativeKind(kind).label}: {rec.alternative_reason}",
    )
    return rec


def _opened(rec: ServiceRecord, *, actor: Any, at: dt.datetime, ip_address: str | None, via: str) -> None:
    before = record_snapshot(rec)
    rec.opened_at = at
    fields = ["opened_at"]
    served_now = not rec.is_done
    if served_now:
        rec.status = RecordStatus.SERVED
        rec.served_by = ServedBy.ELECTRONIC
        rec.served_at = at
        fields += ["status", "served_by", "served_at"]
    rec.save(update_fields=fields)
    ServiceAttempt.objects.create(
        record=rec,
        method=AttemptMethod.ELECTRONIC,
        at=at,
        outcome=Outcome.OPENED,
        note=via,
        recorded_by=actor_ref(actor).label if actor is not None else "",
    )
    audit_record(
        actor=actor,
        action=AuditAction.SERVICE_OPENED,
        obj=rec,
        before=before,
        after={**record_snapshot(rec), "via": via},
        ip_address=ip_address,
    )
    if served_now:
        _timeline(
            rec.document.case,
            actor=actor,
            kind="service_served",
            at=at,
            data={"document": rec.document_id, "party": rec.recipient.name, "by": ServedBy.ELECTRONIC},
            note=f"{rec.document.title} · {rec.recipient.name}",
        )


@transaction.atomic
def link_holder(record: ServiceRecord) -> ActorRef:
    """Who acts through a service link: its recipient, known by the token alone (no login)."""
    return ActorRef(
        kind="party_link", id=record.recipient_id, label=f"link · {record.recipient.name}"[:200], organisation_id=None
    )


def service_document_open(*, token: str, ip_address: str | None = None, at: dt.datetime | None = None) -> ServiceRecord:
    """The party opened the link: the first opening is the time of service (electronic).

    The token is the credential. It is looked up by its SHA-256, so the time taken says nothing about
    how close a guess was; an unknown token is NotFound.
    """
    token = (token or "").strip()
    if not token or len(token) > 200:
        raise NotFound(_("No such document."))
    found = ServiceRecord.objects.filter(token_hash=token_hash(token)).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound(_("No such document."))
    rec = _lock_record(found)
    if rec.opened_at is None:
        when = _when(at, not_before=rec.document.created_at)
        _opened(rec, actor=link_holder(rec), at=when, ip_address=ip_address, via=OpenedVia.LINK)
    return rec


@transaction.atomic
def service_recipient_open(
    *, actor: Any, document: ServedDocument, ip_address: str | None = None
) -> list[ServiceRecord]:
    """A recipient opened the document on the case page: for electronic service (a consenting party, or
    an institution's operator in the platform) the first opening serves it."""
    opened = []
    for rec_id in document.records.values_list("pk", flat=True):
        rec = _lock_record(rec_id)
        if not is_recipient(actor, rec) or rec.opened_at is not None:
            continue
        if rec.planned_method != AttemptMethod.ELECTRONIC:
            continue
        _opened(rec, actor=actor, at=timezone.now(), ip_address=ip_address, via=OpenedVia.PLATFORM)
        opened.append(rec)
    return opened
