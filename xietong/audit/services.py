"""Writing and verifying the audit trail.

The chain is keyed: each entry's hash is an HMAC-SHA256 (key AUDIT_HMAC_KEY, never in the database)
of the previous hash and the entry, so rows rewritten in the database cannot be given hashes that
verify. Entries written before the key (version 1, plain SHA-256) stay verifiable as they are.
Checkpoints of the head (sequence, hash, time, reason, HMAC signature) are appended to a file
outside the database, hourly and on every export to regulators; `audit_verify` holds the chain to
them, which catches a chain recomputed from its start and a tail cut with the head moved back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
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


PLAIN, KEYED = 1, 2  # chain versions: before the key, with it
CHAIN_VERSION = KEYED  # what audit_record writes


def audit_key() -> bytes:
    """The chain's key, from the settings (the environment in production), never from the database."""
    key = str(getattr(settings, "AUDIT_HMAC_KEY", "") or "")
    if not key:
        raise ImproperlyConfigured("AUDIT_HMAC_KEY is not set: the audit trail cannot be written or verified.")
    return key.encode()


def entry_hash(prev_hash: str, payload: dict[str, Any], *, version: int = PLAIN, key: bytes | None = None) -> str:
    """Version 1: SHA-256 of the previous hash and the entry. Version 2: the same under HMAC with the key."""
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    message = (prev_hash + body).encode()
    if version == PLAIN:
        return hashlib.sha256(message).hexdigest()
    if version == KEYED:
        return hmac.new(key or audit_key(), message, hashlib.sha256).hexdigest()
    raise ValueError(f"unknown audit chain version {version}")


def chain_hash(e: AuditEntry, *, key: bytes | None = None) -> str:
    """The hash an entry must carry, by its version."""
    return entry_hash(e.prev_hash, entry_payload(e), version=e.version, key=key)


def entry_payload(e: AuditEntry) -> dict[str, Any]:
    payload = {
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
    if e.version != PLAIN:  # a keyed entry's version is hashed with it; a plain entry's payload is as it was
        payload["version"] = e.version
    return payload


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
    key = audit_key()
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
            version=CHAIN_VERSION,
        )
        e.hash = chain_hash(e, key=key)
        prev = e.hash
        entries.append(e)
    AuditEntry.objects.bulk_create(entries)
    AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return entries


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


# Checkpoints ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The head at a moment, signed with the key: one line of the checkpoint file."""

    seq: int
    hash: str
    at: str  # ISO time
    reason: str
    line: int = 0  # its line in the file, from 1

    def body(self) -> str:
        return f"{self.seq}\t{self.hash}\t{self.at}\t{self.reason}"


def checkpoint_file() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def _sign(body: str, key: bytes) -> str:
    return hmac.new(key, b"checkpoint\t" + body.encode(), hashlib.sha256).hexdigest()


def audit_checkpoint(*, reason: str) -> Checkpoint:
    """Append the committed head, signed, to the checkpoint file (opened for appending only; fsynced).

    Called outside the transaction that moved the head (a task, a command, `on_commit`): a checkpoint of
    a head that is then rolled back would be taken for a cut tail.
    """
    head = AuditHead.objects.get(pk=1)
    reason = " ".join(str(reason).split())[:120] or "-"
    point = Checkpoint(seq=head.seq, hash=head.hash, at=timezone.now().isoformat(timespec="seconds"), reason=reason)
    line = f"{point.body()}\t{_sign(point.body(), audit_key())}\n".encode()
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line)  # one write of one short line with O_APPEND: whole, whatever else appends
        os.fsync(fd)
    finally:
        os.close(fd)
    return point


def audit_checkpoint_on_commit(*, reason: str) -> None:
    """A checkpoint once the current transaction commits (an export: the head as the recipient was given it).
    A checkpoint that cannot be written is logged (the export is not refused for it; the hourly one is loud)."""

    def audit_checkpoint_after_export() -> None:  # a named function: Django names it when it logs a failure
        audit_checkpoint(reason=reason)

    transaction.on_commit(audit_checkpoint_after_export, robust=True)


def audit_checkpoints(path: Path | None = None) -> tuple[list[Checkpoint], ChainProblem | None]:
    """The checkpoints of the file, each signature checked; the first line that fails is the problem."""
    path = path or checkpoint_file()
    if not path.exists():
        return [], None
    key = audit_key()
    points: list[Checkpoint] = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, text in enumerate(fh, 1):
            parts = text.rstrip("\n").split("\t")
            if not text.strip():
                continue
            try:
                seq, hash_, at, reason, signature = parts
                point = Checkpoint(seq=int(seq), hash=hash_, at=at, reason=reason, line=n)
            except ValueError:
                return points, ChainProblem(0, f"line {n} of {path} is not a checkpoint")
            if not hmac.compare_digest(signature, _sign(point.body(), key)):
                return points, ChainProblem(
                    point.seq,
                    f"checkpoint on line {n} of {path} is not signed with the key (forged, or the key changed)",
                )
            points.append(point)
    return points, None


# Verification -------------------------------------------------------------------------------------


def _entries(batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        chunk = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def audit_verify(*, checkpoints: Sequence[Checkpoint] | None = None) -> tuple[int, ChainProblem | None]:
    """Walk the chain; return the number of entries checked and the first problem found.

    Each entry links to the one before and carries the hash of its version (keyed entries: the HMAC,
    which nobody without the key can recompute). Held to the checkpoints (by default those of the
    checkpoint file): the entry at each checkpoint's sequence has its hash (a chain recomputed in the
    database differs), entries after the first checkpoint are keyed (a rewrite cannot fall back to
    plain hashes), and the trail reaches the last checkpoint (a cut tail, head moved back, falls short).
    """
    if checkpoints is None:
        checkpoints, problem = audit_checkpoints()
        if problem is not None:
            return 0, problem
    at_seq: dict[int, Checkpoint] = {}
    for cp in checkpoints:
        at_seq.setdefault(cp.seq, cp)
    keyed_after = min((p.seq for p in checkpoints), default=None)
    last_point = max(checkpoints, key=lambda p: p.seq, default=None)
    key = audit_key()
    expected_seq, prev = 1, GENESIS_HASH
    checked = 0
    keyed_seen = False
    with transaction.atomic():
        head = AuditHead.objects.get(pk=1)
        for e in _entries():
            if e.seq != expected_seq:
                return checked, ChainProblem(expected_seq, f"entry {expected_seq} is missing (next is {e.seq})")
            if e.prev_hash != prev:
                return checked, ChainProblem(e.seq, f"entry {e.seq} does not link to entry {e.seq - 1}")
            if e.version not in (PLAIN, KEYED):
                return checked, ChainProblem(e.seq, f"entry {e.seq} has an unknown chain version {e.version}")
            if e.version == PLAIN and (keyed_seen or (keyed_after is not None and e.seq > keyed_after)):
                return checked, ChainProblem(
                    e.seq, f"entry {e.seq} is not keyed but was written after the chain was keyed: it was rewritten"
                )
            if not hmac.compare_digest(chain_hash(e, key=key), e.hash):
                return checked, ChainProblem(e.seq, f"entry {e.seq} was altered after it was written")
            signed = at_seq.get(e.seq)
            if signed is not None and signed.hash != e.hash:
                return checked, ChainProblem(
                    e.seq,
                    f"entry {e.seq} is not the one the checkpoint of {signed.at} ({signed.reason}) signed: "
                    "the chain was rewritten",
                )
            keyed_seen = keyed_seen or e.version == KEYED
            prev = e.hash
            expected_seq += 1
            checked += 1
        if head.seq != checked or head.hash != prev:
            return checked, ChainProblem(
                checked + 1, f"the trail ends at entry {checked} but the head records entry {head.seq}"
            )
        if last_point is not None and last_point.seq > checked:
            return checked, ChainProblem(
                checked + 1,
                f"the trail ends at entry {checked} but the checkpoint of {last_point.at} ({last_point.reason}) "
                f"signed entry {last_point.seq}: its newest entries were removed",
            )
    return checked, None
