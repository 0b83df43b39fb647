"""Service of documents that belong to no case (a judicial suggestion, say) on organisations.

A case's documents are served on its parties (`services.service_send`); these are served on an
organisation — an institution, a regulator — and point at what they serve through a generic link
(`OrganisationDocument.subject`), so this app needs to know nothing of the app that sends them.

- In the platform (electronic): a notice; the organisation is served when one of its people first
  opens the document, at that time.
- By post: a letter to its address; served when the clerk records it delivered (with the postal
  receipt's time).

A copy (抄送) is served the same way, for information. Every write is audited in its transaction; the
caller sends its own messages (it knows what the document is).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from xietong.accounts.models import Organisation
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import actor_ref, audit_record
from xietong.core.errors import Conflict, DomainError, NotAllowed, NotFound

from .choices import FAILURES, OUTCOMES_BY_METHOD, AttemptMethod, Outcome, RecordStatus, ServedBy
from .models import OrganisationDocument, OrganisationServiceAttempt, OrganisationServiceRecord
from .services import _check_pdf, _when

WAYS = frozenset({AttemptMethod.ELECTRONIC, AttemptMethod.POSTAL})


def may_send_for(actor: Any, sender: Organisation) -> bool:
    """The court's clerks and judges (for their court), the center and the platform itself."""
    return may(actor, "service.send_for", sender)


def records_of(subject: models.Model) -> QuerySet[OrganisationServiceRecord]:
    """Every service of every document sent for `subject`, addressee first."""
    ct = ContentType.objects.get_for_model(type(subject))
    return (
        OrganisationServiceRecord.objects.filter(document__subject_type=ct, document__subject_id=subject.pk)
        .select_related("document", "organisation")
        .prefetch_related("attempts")
        .order_by("document__created_at", "is_copy", "pk")
    )


def _snapshot(rec: OrganisationServiceRecord) -> dict[str, Any]:
    return {
        "document": rec.document_id,
        "organisation": rec.organisation_id,
        "is_copy": rec.is_copy,
        "status": rec.status,
        "planned_method": rec.planned_method,
        "served_by": rec.served_by,
        "served_at": rec.served_at,
        "opened_at": rec.opened_at,
    }


@transaction.atomic
def organisation_service_send(
    *,
    actor: Any,
    subject: models.Model,
    sender: Organisation,
    title: str,
    content: bytes,
    filename: str,
    recipients: list[tuple[Organisation, str, bool]],
    tracking_number: str = "",
    at: dt.datetime | None = None,
) -> OrganisationDocument:
    """Send a PDF for service on organisations: (organisation, method, is_copy) each, electronic or postal.

    `at` is when it was sent, if not now (the demo's history only)."""
    if not may_send_for(actor, sender):
        raise NotAllowed(_("Documents of the court are sent by its clerks and judges, or the center."))
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the document a title."), code="title_required")
    _check_pdf(content)
    if not recipients:
        raise DomainError(_("Choose whom to serve."), code="no_recipients")
    seen: set[int] = set()
    for org, method, _copy in recipients:
        if method not in WAYS:
            raise DomainError(_("An organisation is served in the platform or by post."), code="method")
        if org.pk in seen:
            raise DomainError(_("Each organisation is served once."), code="recipient_twice")
        seen.add(org.pk)
        if method == AttemptMethod.POSTAL and not org.address.strip():
            raise DomainError(
                _("%(name)s has no postal address on file: serve it in the platform.") % {"name": org.name},
                code="no_address",
            )
    when = _when(at)
    ref = actor_ref(actor)
    digest = hashlib.sha256(content).hexdigest()
    name = get_valid_filename(filename or "document.pdf") or "document.pdf"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    document = OrganisationDocument(
        subject_type=ContentType.objects.get_for_model(type(subject)),
        subject_id=subject.pk,
        sender=sender,
        title=title[:200],
        sha256=digest,
        size=len(content),
        created_by=actor if ref.kind == "user" else None,
        created_by_label=ref.label,
        created_at=when,
    )
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    sent = []
    for org, method, is_copy in recipients:
        rec = OrganisationServiceRecord.objects.create(
            document=document,
            organisation=org,
            is_copy=is_copy,
            planned_method=method,
            address=org.address[:400] if method == AttemptMethod.POSTAL else "",
            created_at=when,
        )
        OrganisationServiceAttempt.objects.create(
            record=rec,
            method=method,
            at=when,
            outcome=Outcome.SENT,
            tracking_number=(tracking_number or "").strip()[:40] if method == AttemptMethod.POSTAL else "",
            note=_("notice in the platform") if method == AttemptMethod.ELECTRONIC else "",
            recorded_by=ref.label,
        )
        sent.append({"organisation": org.pk, "method": method, "copy": is_copy})
    audit_record(
        actor=actor,
        action=AuditAction.SERVICE_SEND,
        obj=document,
        after={
            "subject": f"{document.subject_type.app_label}.{document.subject_type.model}:{subject.pk}",
            "title": document.title,
            "sha256": digest,
            "recipients": sent,
        },
    )
    return document


def _lock(record: OrganisationServiceRecord | int) -> OrganisationServiceRecord:
    pk = record.pk if isinstance(record, OrganisationServiceRecord) else record
    found = (
        OrganisationServiceRecord.objects.select_for_update(of=("self",))
        .select_related("document__sender", "organisation")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("No such service record."))
    return found


@transaction.atomic
def organisation_document_open(
    *, actor: Any, subject: models.Model, ip_address: str | None = None, at: dt.datetime | None = None
) -> list[OrganisationServiceRecord]:
    """Someone of a recipient organisation opened the document: the first opening of a notice in the
    platform serves it, at that time. Returns the records this opening served or first opened."""
    org_id = getattr(actor, "organisation_id", None)
    if org_id is None or not may(actor, "service.receive_for_organisation"):
        return []
    opened = []
    for rec_id in (
        records_of(subject).filter(organisation_id=org_id, opened_at__isnull=True).values_list("pk", flat=True)
    ):
        rec = _lock(rec_id)
        if rec.opened_at is not None:
            continue
        when = _when(at, not_before=rec.document.created_at)
        before = _snapshot(rec)
        rec.opened_at = when
        fields = ["opened_at"]
        if rec.planned_method == AttemptMethod.ELECTRONIC and not rec.is_done:
            rec.status, rec.served_by, rec.served_at = RecordStatus.SERVED, ServedBy.ELECTRONIC, when
            fields += ["status", "served_by", "served_at"]
        rec.save(update_fields=fields)
        OrganisationServiceAttempt.objects.create(
            record=rec,
            method=AttemptMethod.ELECTRONIC,
            at=when,
            outcome=Outcome.OPENED,
            note="platform",
            recorded_by=actor_ref(actor).label,
        )
        audit_record(
            actor=actor,
            action=AuditAction.SERVICE_OPENED,
            obj=rec,
            before=before,
            after={**_snapshot(rec), "via": "platform"},
            ip_address=ip_address,
        )
        opened.append(rec)
    return opened


POSTAL_OUTCOMES = OUTCOMES_BY_METHOD[AttemptMethod.POSTAL]


@transaction.atomic
def organisation_attempt_record(
    *,
    actor: Any,
    record: OrganisationServiceRecord | int,
    outcome: str,
    tracking_number: str = "",
    note: str = "",
    at: dt.datetime | None = None,
) -> OrganisationServiceAttempt:
    """A letter's outcome (from the postal receipt): delivered serves it; a failure leaves it to be sent
    again; sent records a new letter."""
    rec = _lock(record)
    if not may_send_for(actor, rec.document.sender):
        raise NotAllowed(_("Service is recorded by the clerks and judges of the court that sent it."))
    if rec.is_done:
        raise Conflict(_("This document has already been served on this organisation."), code="already_served")
    if rec.planned_method != AttemptMethod.POSTAL:
        raise DomainError(_("This organisation is served in the platform, not by post."), code="method")
    if outcome not in POSTAL_OUTCOMES:
        raise DomainError(_("Unknown outcome of a letter."), code="outcome")
    when = _when(at, not_before=rec.document.created_at)
    before = _snapshot(rec)
    attempt = OrganisationServiceAttempt.objects.create(
        record=rec,
        method=AttemptMethod.POSTAL,
        at=when,
        outcome=outcome,
        tracking_number=(tracking_number or "").strip()[:40],
        note=(note or "").strip()[:500],
        recorded_by=actor_ref(actor).label,
    )
    if outcome == Outcome.DELIVERED:
        rec.status, rec.served_by, rec.served_at = RecordStatus.SERVED, ServedBy.POSTAL, when
        rec.save(update_fields=["status", "served_by", "served_at"])
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
        after={**_snapshot(rec), "attempt": attempt.pk, "outcome": outcome, "at": when},
    )
    return attempt
