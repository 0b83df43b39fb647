from __future__ import annotations

import datetime as dt
import hmac
from typing import Any, Literal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import ApiClient, ApiToken

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
    found = (
        ApiToken.objects.select_related("client__organisation").filter(prefix=parts[1], client__is_active=True).first()
    )
    if found is None or not hmac.compare_digest(found.token_hash, ApiClient.hash_token(token)):
        return None, "unknown"
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
    client = found.client
    client.token_used = found  # type: ignore[attr-defined]
    return client, ""


def api_client_for_token(token: str) -> ApiClient | None:
    """The active client holding this live bearer token, or None."""
    return api_client_authenticate(token)[0]


def api_clients_of(*, actor: Any) -> QuerySet[ApiClient]:
    """The API clients an institution's operator sees (their institution's), or every one for the center."""
    from .permissions import restrict_api_clients

    qs = ApiClient.objects.select_related("organisation").prefetch_related("tokens").order_by("-is_active", "name")
    return restrict_api_clients(qs, actor)
