from __future__ import annotations

import datetime as dt
import hmac
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any, Literal

from django.conf import settings
from django.db import connections
from django.db.models import Field, Model, Q, QuerySet
from django.utils import timezone

from .models import ApiClient, ApiToken, Organisation

TokenProblem = Literal["", "unknown", "expired", "revoked"]


def api_client_authenticate(token: str, *, now: dt.datetime | None = None) -> tuple[ApiClient | None, TokenProblem]:
    """The active client holding this bearer token, or why not. Constant-time comparison.

    A read does not write: the token's `last_used_at` (and its client's) is brought up to date at most
    once every XIETONG_API_LAST_USED_EVERY_SECONDS (300), by a conditional UPDATE that only the first
    request past that interval makes. "expired" and "revoked" are told only to the holder of the
    right secret; anything else is "unknown".
    """
    parts = token.split("_")
    if len(parts) < 3 or parts[0] != "xt":
        return None, "unknown"
    digest = ApiClient.hash_token(token)
    row = _verified_recently(digest)
    if row is None:
        row = _token_row(parts[1])
        if row is None or not hmac.compare_digest(row[0][TOKEN_HASH_AT], digest):
            return None, "unknown"
        _remember(digest, row)
    found = _token_from_row(row)
    now = now or timezone.now()
    if found.revoked_at is not None:
        return None, "revoked"
    if found.expires_at is not None and found.expires_at <= now:
        return None, "expired"
    every = dt.timedelta(seconds=float(settings.XIETONG_API_LAST_USED_EVERY_SECONDS))
    if found.last_used_at is None or found.last_used_at < now - every:
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - every)
        if ApiToken.objects.filter(stale, pk=found.pk).update(last_used_at=now):
            ApiClient.objects.filter(stale, pk=found.client_id).update(last_used_at=now)
        found.last_used_at = now
        row[0][LAST_USED_AT] = now  # the verified entry too, or each call would try the UPDATE again
    client = found.client
    client.token_used = found  # type: ignore[attr-defined]
    return client, ""


Converter = Callable[[Any, Any, Any], Any]


@cache
def _token_statement(
    alias: str,
) -> tuple[str, tuple[tuple[type[Model], list[str], list[list[tuple[Converter, Any]]]], ...]]:
    """The token lookup written out once per database: token, client and institution in one indexed
    SELECT, with each column's converters (the ones the ORM would apply: aware datetimes on SQLite).

    Built from the models' metadata, so a renamed column follows. Through the ORM the same read spent
    more time compiling its SQL than the database took to answer it, on every API call (bench/README.md).
    """
    connection = connections[alias]
    q = connection.ops.quote_name
    parts: list[tuple[type[Model], str, list[Field]]] = [
        (ApiToken, "t", list(ApiToken._meta.concrete_fields)),
        (ApiClient, "c", list(ApiClient._meta.concrete_fields)),
        (Organisation, "o", list(Organisation._meta.concrete_fields)),
    ]
    columns = ", ".join(f"{alias_}.{q(f.column)}" for _m, alias_, fields in parts for f in fields)

    def name_of(model: type[Model], name: str) -> str:
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        return q(str(field.column))  # type: ignore[union-attr]

    token_t, client_t, org_t = (q(m._meta.db_table) for m in (ApiToken, ApiClient, Organisation))
    sql = (
        f"SELECT {columns} FROM {token_t} t"  # noqa: S608 - the models' quoted names
        f" JOIN {client_t} c ON c.{name_of(ApiClient, 'pk')} = t.{name_of(ApiToken, 'client')}"
        f" JOIN {org_t} o ON o.{name_of(Organisation, 'pk')} = c.{name_of(ApiClient, 'organisation')}"
        f" WHERE t.{name_of(ApiToken, 'prefix')} = %s AND c.{name_of(ApiClient, 'is_active')} = %s"
    )
    models = []
    for model, alias_, fields in parts:
        converters = []
        for f in fields:
            expr = f.get_col(alias_)
            converters.append(
                [(c, expr) for c in (*connection.ops.get_db_converters(expr), *expr.get_db_converters(connection))]
            )
        models.append((model, [f.attname for f in fields], converters))
    return sql, tuple(models)


Row = tuple[list[Any], list[Any], list[Any]]  # a token's, its client's and its institution's values


def _token_row(prefix: str, using: str = "default") -> Row | None:
    """The values of the token with this prefix of an active client, its client and its institution,
    converted as the ORM converts them; one indexed SELECT."""
    sql, models = _token_statement(using)
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix, True])
        row = cursor.fetchone()
    if row is None:
        return None
    found: list[list[Any]] = []
    at = 0
    for _model, attnames, converters in models:
        values = list(row[at : at + len(attnames)])
        at += len(attnames)
        for i, convs in enumerate(converters):
            for convert, expr in convs:
                values[i] = convert(values[i], expr, connection)
        found.append(values)
    return found[0], found[1], found[2]


def _token_from_row(row: Row, using: str = "default") -> ApiToken:
    """New instances for this request (never shared between requests), the client and institution attached."""
    _sql, models = _token_statement(using)
    token, client, organisation = (
        model.from_db(using, names, values) for (model, names, _c), values in zip(models, row, strict=True)
    )
    client.organisation = organisation  # type: ignore[attr-defined]
    token.client = client  # type: ignore[attr-defined]
    return token  # type: ignore[return-value]


def _live_token_by_prefix(prefix: str, using: str = "default") -> ApiToken | None:
    """The token with this prefix of an active client, its client and institution attached
    (`ApiToken.objects.select_related("client__organisation").get(prefix=…, client__is_active=True)`,
    without compiling it on every call). `test_api_tokens.py` checks the two read the same."""
    row = _token_row(prefix, using)
    return None if row is None else _token_from_row(row, using)


TOKEN_HASH_AT = [f.attname for f in ApiToken._meta.concrete_fields].index("token_hash")
LAST_USED_AT = [f.attname for f in ApiToken._meta.concrete_fields].index("last_used_at")

# Tokens verified in the last XIETONG_API_TOKEN_CACHE_SECONDS, in this process: a bank polling its
# cases with one token is not looked up again on every call. Keyed by the hash of the whole token,
# so only the holder of the right secret hits an entry; a revocation through the services forgets
# the client's entries here at once, and reaches the other processes within those seconds.
_verified: dict[str, tuple[float, Row]] = {}
_verified_lock = threading.Lock()
VERIFIED_MAX = 1024


def _verified_recently(digest: str) -> Row | None:
    ttl = float(settings.XIETONG_API_TOKEN_CACHE_SECONDS)
    entry = _verified.get(digest) if ttl > 0 else None
    if entry is None or time.monotonic() - entry[0] >= ttl:
        return None
    return entry[1]


def _remember(digest: str, row: Row) -> None:
    if float(settings.XIETONG_API_TOKEN_CACHE_SECONDS) <= 0:
        return
    with _verified_lock:
        if len(_verified) >= VERIFIED_MAX:
            _verified.clear()  # more live tokens than this in one process: start again rather than grow
        _verified[digest] = (time.monotonic(), row)


def api_tokens_forget(*, client_id: int | None = None) -> None:
    """Drop this process's verified tokens of a client (every client's without one): after a revocation."""
    client_at = [f.attname for f in ApiToken._meta.concrete_fields].index("client_id")
    with _verified_lock:
        for digest, (_t, row) in list(_verified.items()):
            if client_id is None or row[0][client_at] == client_id:
                _verified.pop(digest, None)


def api_client_for_token(token: str) -> ApiClient | None:
    """The active client holding this live bearer token, or None."""
    return api_client_authenticate(token)[0]


def api_clients_of(*, actor: Any) -> QuerySet[ApiClient]:
    """The API clients an institution's operator sees (their institution's), or every one for the center."""
    from .permissions import restrict_api_clients

    qs = ApiClient.objects.select_related("organisation").prefetch_related("tokens").order_by("-is_active", "name")
    return restrict_api_clients(qs, actor)
