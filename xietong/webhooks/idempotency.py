"""`Idempotency-Key` for the institutions' API: a retried request returns the first one's result.

    earlier = idempotency_find(actor=..., key=..., operation=..., request_hash=...)
    if earlier is not None: answer with earlier.object_id (nothing done again)
    ... do the work ...
    idempotency_remember(actor=..., key=..., operation=..., request_hash=..., obj=result)

The key is scoped per caller (each API client, each user): two banks may use the same key. The same
key with another body, or for another operation, is refused (409 `idempotency_key_reused`). The
work itself must tolerate a concurrent twin (batches do: the file's hash is unique per institution);
`idempotency_remember` then returns the first record, and the caller answers with its object.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xietong.core.errors import Conflict, DomainError

from .models import IdempotencyKey

MAX_KEY_LENGTH = 80


def request_hash(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _caller(actor: Any) -> tuple[str, int]:
    kind = getattr(actor, "actor_kind", "")
    if kind not in ("api_client", "user") or getattr(actor, "pk", None) is None:
        raise DomainError(_("This request needs a signed-in caller."), code="idempotency_caller")
    return kind, int(actor.pk)


def idempotency_key_clean(key: str | None) -> str:
    """The header's value, or a 400 saying it is required."""
    key = (key or "").strip()
    if not key:
        raise DomainError(
            _(
                "The Idempotency-Key header is required: send a unique value (e.g. a UUID) per request, "
                "and the same value when you retry it."
            ),
            code="idempotency_key_missing",
        )
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise DomainError(
            _("The Idempotency-Key header may have at most %(n)s printable characters.") % {"n": MAX_KEY_LENGTH},
            code="idempotency_key_invalid",
        )
    return key


def _same(record: IdempotencyKey, operation: str, request_hash: str) -> IdempotencyKey:
    if record.operation != operation or record.request_hash != request_hash:
        raise Conflict(_("This Idempotency-Key was used for a different request."), code="idempotency_key_reused")
    return record


def idempotency_find(*, actor: Any, key: str, operation: str, request_hash: str) -> IdempotencyKey | None:
    """The earlier request with this key (the same one), None if there is none; Conflict if it differs."""
    kind, pk = _caller(actor)
    record = IdempotencyKey.objects.filter(actor_kind=kind, actor_id=pk, key=key).first()
    return None if record is None else _same(record, operation, request_hash)


def idempotency_remember(*, actor: Any, key: str, operation: str, request_hash: str, obj: Any) -> IdempotencyKey:
    """Record the result of a request under its key; a concurrent twin's record wins if it came first."""
    kind, pk = _caller(actor)
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                actor_kind=kind,
                actor_id=pk,
                key=key,
                operation=operation,
                request_hash=request_hash,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=obj.pk if obj is not None else None,
            )
    except IntegrityError:
        return _same(IdempotencyKey.objects.get(actor_kind=kind, actor_id=pk, key=key), operation, request_hash)
