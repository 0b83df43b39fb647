from __future__ import annotations

import hmac

from django.utils import timezone

from .models import ApiClient


def api_client_for_token(token: str) -> ApiClient | None:
    """The active client holding this bearer token, or None. Constant-time comparison."""
    parts = token.split("_")
    if len(parts) < 3 or parts[0] != "xt":
        return None
    client = ApiClient.objects.select_related("organisation").filter(token_prefix=parts[1], is_active=True).first()
    if client is None or not hmac.compare_digest(client.token_hash, ApiClient.hash_token(token)):
        return None
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client
