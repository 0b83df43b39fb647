from django.contrib import admin

from xietong.core.admin import AuditedModelAdmin

from .models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AuditedModelAdmin[WebhookEndpoint]):
    """For oversight; endpoints are registered on /webhooks/ or through the API. The secret is never shown."""

    list_display = ["url", "organisation", "is_active", "created_by_label", "created_at"]
    list_filter = ["is_active", "organisation"]
    search_fields = ["url"]
    exclude = ["secret"]
    readonly_fields = ["organisation", "created_by", "created_by_label", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AuditedModelAdmin[WebhookDelivery]):
    list_display = ["event_id", "endpoint", "event_type", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event_type"]
    search_fields = ["event_id"]
    raw_id_fields = ["endpoint", "case"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
