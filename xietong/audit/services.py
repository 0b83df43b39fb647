"""Writing and verifying the audit trail."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from .choices import AuditAction
from .models import GENESIS_HASH, AuditEntry, AuditHead


@dataclass(frozen=True)
class ActorRef:
    kind: str
    id: int | None
    label: str
    organisation_id: int | None


SYSTEM = ActorRef(kind="system", id=None, label="system", organisation_id=None)


def actor_ref(actor: Any) -> ActorRef:
    """Users, API clients and the system all act; each says who it is."""
    if actor is None:
        return SYSTEM
    if isinstance(actor, ActorRef):
        return actor
    return ActorRef(
        kind=getattr(actor, "actor_kind", "user"),
        id=actor.pk,
        label=str(getattr(actor, "audit_label", None) or actor)[:200],
        organisation_id=getattr(actor, "organisation_id", None),
    )


def normalize(data: Any) -> Any:
    """JSON-safe form that survives a round trip through any database's JSON column unchanged."""
    if data is None:
        return None
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))


def entry_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def entry_payload(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at.isoformat(timespec="microseconds"),
        "actor_kind": e.actor_kind,
        "actor_id": e.actor_id,
        "actor_label": e.actor_label,
        "organisation_id": e.organisation_id,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "object_repr": e.object_repr,
        "before": e.before,
        "after": e.after,
        "ip_address": e.ip_address,
    }


@dataclass(frozen=True)
class AuditEvent:
    action: AuditAction
    object_type: str
    object_id: str
    object_repr: str = ""
    before: Any = None
    after: Any = None


def audit_record(
    *,
    actor: Any,
    action: AuditAction,
    obj: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    object_repr: str | None = None,
    before: Any = None,
    after: Any = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the transaction of the change it records."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
        object_repr = str(obj) if object_repr is None else object_repr
    event = AuditEvent(
        action=action,
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),
        object_repr=(object_repr or "")[:300],
        before=before,
        after=after,
    )
    return audit_record_many(actor=actor, events=[event], ip_address=ip_address)[0]


def audit_record_many(*, actor: Any, events: Sequence[AuditEvent], ip_address: str | None = None) -> list[AuditEntry]:
    """Append several entries under one lock of the head (bulk work such as imports)."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    ref = actor_ref(actor)
    head = AuditHead.objects.select_for_update().get(pk=1)
    now = timezone.now()
    entries = []
    seq, prev = head.seq, head.hash
    for ev in events:
        if ev.action not in AuditAction.values:
            raise ValueError(f"unknown audit action {ev.action!r}: add it to AuditAction")
        seq += 1
        e = AuditEntry(
            seq=seq,
            at=now,
            actor_kind=ref.kind,
            actor_id=ref.id,
            actor_label=ref.label,
            organisation_id=ref.organisation_id,
            action=str(ev.action),
            object_type=ev.object_type,
            object_id=ev.object_id,
            object_repr=ev.object_repr,
            before=normalize(ev.before),
            after=normalize(ev.after),
            ip_address=ip_address,
            prev_hash=prev,
        )
        e.hash = entry_hash(prev, entry_payload(e))
        prev = e.hash
        entries.append(e)
    AuditEntry.objects.bulk_create(entries)
    AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return entries


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


def _entries(batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        chunk = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def audit_verify() -> tuple[int, ChainProblem | None]:
    """Walk the chain; return the number of entries checked and the first problem found."""
    expected_seq, prev = 1, GENESIS_HASH
    checked = 0
    with transaction.atomic():
        head = AuditHead.objects.get(pk=1)
        for e in _entries():
            if e.seq != expected_seq:
                return checked, ChainProblem(expected_seq, f"entry {expected_seq} is missing (next is {e.seq})")
            if e.prev_hash != prev:
                return checked, ChainProblem(e.seq, f"entry {e.seq} does not link to entry {e.seq - 1}")
            if entry_hash(prev, entry_payload(e)) != e.hash:
                return checked, ChainProblem(e.seq, f"entry {e.seq} was altered after it was written")
            prev = e.hash
            expected_seq += 1
            checked += 1
        if head.seq != checked or head.hash != prev:
            return checked, ChainProblem(
                checked + 1, f"the trail ends at entry {checked} but the head records entry {head.seq}"
            )
    return checked, None
