"""Webhook endpoints of institutions and the log of every event delivered to them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import OrganisationKind

from .choices import DeliveryStatus


class WebhookEndpoint(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="webhook_endpoints",
        limit_choices_to={"kind": OrganisationKind.INSTITUTION},
    )
    url = models.URLField(_("URL"), max_length=500)
    # Kept in clear: it signs every delivery. Pages show it masked; it is shown in full once.
    secret = models.CharField(_("signing secret"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by_label = models.CharField(_("created by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    client_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["organisation_id", "-created_at"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    @property
    def secret_masked(self) -> str:
        return f"{self.secret[:8]}…{self.secret[-2:]}" if self.secret else ""


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4)
    event_type = models.CharField(_("event"), max_length=60)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The exact JSON body sent, every attempt and every replay the same bytes.
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    response_excerpt = models.TextField(_("response excerpt"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    replays = models.PositiveIntegerField(_("replays"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_unique_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


class IdempotencyKey(models.Model):
    """An API request taken once: an institution's system retries with the same `Idempotency-Key` header
    and gets the same result instead of a second one. Scoped per caller (an API client, or a user of the
    pages calling the API) and per operation; the body's hash tells a retry from a reused key.

    Generic (it names its result by type and id); kept here, beside the other records of the
    institutions' integrations, because it has no domain of its own.
    """

    actor_kind = models.CharField(_("caller kind"), max_length=16)  # "api_client" or "user"
    actor_id = models.BigIntegerField(_("caller id"))
    key = models.CharField(_("idempotency key"), max_length=80)
    operation = models.CharField(_("operation"), max_length=60)
    request_hash = models.CharField(_("request hash"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["actor_kind", "actor_id", "key"], name="idempotency_key_unique_per_caller"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_kind}:{self.actor_id} {self.key}"
