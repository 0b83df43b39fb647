"""Reads for webhooks: the center sees every endpoint, an institution's operators their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xietong.accounts.permissions import may

from .models import WebhookDelivery, WebhookEndpoint
from .permissions import restrict_endpoints


def may_manage_webhooks(actor: Any) -> bool:
    return may(actor, "webhooks.manage")


def endpoints_visible(*, actor: Any) -> QuerySet[WebhookEndpoint]:
    return restrict_endpoints(WebhookEndpoint.objects.select_related("organisation"), actor)


def endpoint_get(*, actor: Any, pk: int) -> WebhookEndpoint | None:
    return endpoints_visible(actor=actor).filter(pk=pk).first()


def deliveries_of(*, actor: Any, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(
        endpoint__in=endpoints_visible(actor=actor), endpoint=endpoint
    ).select_related("case")


def delivery_get(*, actor: Any, pk: int) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.filter(endpoint__in=endpoints_visible(actor=actor), pk=pk)
        .select_related("endpoint")
        .first()
    )
