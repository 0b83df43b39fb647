"""Writes for natural persons and authorisations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record
from xietong.core.bulk import BulkWriter
from xietong.core.masking import mask_id_number
from xietong.core.validators import normalize_phone, parse_resident_id

from .choices import AddressKind
from .models import Address, Authorisation, Person


@transaction.atomic
def person_create(
    *,
    actor: Any,
    name: str,
    id_number: str,
    phone: str = "",
    email: str = "",
    addresses: list[dict[str, str]] | None = None,
) -> Person:
    rid = parse_resident_id(id_number)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter the person's name.")})
    if Person.objects.filter(id_number=rid.number).exists():
        raise ValidationError({"id_number": _("A person with this ID number is already registered.")})
    person = Person(
        name=name,
        id_number=rid.number,
        birth_date=rid.birth_date,
        sex=rid.sex,
        phone=normalize_phone(phone) if phone else "",
        email=email.strip(),
    )
    person.full_clean()
    person.save()
    for a in addresses or []:
        addr = Address(person=person, **a)
        addr.full_clean()
        addr.save()
    audit_record(
        actor=actor,
        action=AuditAction.PERSON_CREATE,
        obj=person,
        after={"name": name, "id_number": mask_id_number(rid.number), "addresses": len(addresses or [])},
    )
    return person


class NewPerson(NamedTuple):
    """A person to create in bulk, checked by the caller with the validators `person_create` uses
    (the ID number gives the birth date and sex); `residence`, if any, a line of an address in China."""

    name: str
    id_number: str
    birth_date: dt.date
    sex: str
    phone: str = ""
    email: str = ""
    residence: str = ""


def persons_create_bulk(*, actor: Any, persons: Sequence[NewPerson], writer: BulkWriter) -> list[int]:
    """Create many persons (and their residences) in the caller's transaction; returns their ids in order.

    The rows `person_create` writes, inserted in bulk; one `person.create_bulk` audit entry names them all.
    """
    if not persons:
        return []
    ids = writer.reserve_ids(Person, len(persons))
    now = writer.now_db
    writer.insert(
        Person,
        ("id", "name", "id_number", "birth_date", "sex", "phone", "email", "created_at"),
        (
            (pid, p.name, p.id_number, p.birth_date.isoformat(), p.sex, p.phone, p.email, now)
            for pid, p in zip(ids, persons, strict=True)
        ),
    )
    homes = [(pid, p.residence) for pid, p in zip(ids, persons, strict=True) if p.residence]
    if homes:
        writer.insert(
            Address,
            ("person_id", "kind", "country", "region", "line", "postcode"),
            ((pid, AddressKind.RESIDENCE.value, "CN", "", line, "") for pid, line in homes),
        )
    audit_record(
        actor=actor,
        action=AuditAction.PERSON_CREATE_BULK,
        object_type=Person._meta.label_lower,
        object_id="",
        object_repr=f"{len(ids)}",
        after={"count": len(ids), "addresses": len(homes), "person_ids": ids},
    )
    return ids


@transaction.atomic
def person_reveal_id(*, actor: Any, person: Person, ip_address: str | None = None) -> str:
    """Return the full ID number and record that this actor saw it."""
    audit_record(actor=actor, action=AuditAction.PERSON_VIEW_ID, obj=person, ip_address=ip_address)
    return person.id_number


@transaction.atomic
def person_reveal_phone(*, actor: Any, person: Person, ip_address: str | None = None) -> str:
    audit_record(actor=actor, action=AuditAction.PERSON_VIEW_PHONE, obj=person, ip_address=ip_address)
    return person.phone


@transaction.atomic
def authorisation_create(
    *,
    actor: Any,
    principal: Person,
    agent: Person,
    relationship: str,
    reason: str,
    document: File[Any],
    reason_detail: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> Authorisation:
    if principal.pk == agent.pk:
        raise ValidationError(_("A person cannot authorise themself."))
    if valid_until is not None and valid_until < (valid_from or timezone.localdate()):
        raise ValidationError({"valid_until": _("An authorisation cannot end before it begins.")})
    auth = Authorisation(
        principal=principal,
        agent=agent,
        relationship=relationship,
        reason=reason,
        reason_detail=reason_detail,
        valid_from=valid_from or timezone.localdate(),
        valid_until=valid_until,
    )
    auth.document.save(document.name or "authorisation.pdf", document, save=False)
    auth.full_clean()
    auth.save()
    audit_record(
        actor=actor,
        action=AuditAction.AUTHORISATION_CREATE,
        obj=auth,
        after={"principal_id": principal.pk, "agent_id": agent.pk, "relationship": relationship, "reason": reason},
    )
    return auth
