from django.contrib import admin

from xietong.core.admin import AuditedModelAdmin

from .models import Application, Attachment, ServiceAddressConfirmation


class AttachmentInline(admin.TabularInline[Attachment, Application]):
    model = Attachment
    extra = 0
    fields = ("kind", "original_name", "detected_type", "size", "sha256", "uploaded_at")
    readonly_fields = ("kind", "original_name", "detected_type", "size", "sha256", "uploaded_at")
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(AuditedModelAdmin[Application]):
    """Read mostly: applications are made through the intake pages and the API, never edited here."""

    list_display = ["pk", "door", "applicant", "applicant_organisation", "station", "submitted_by", "submitted_at"]
    list_filter = ["door"]
    raw_id_fields = ["applicant", "on_behalf_of", "authorisation", "cases"]
    readonly_fields = ["client_token", "request_hash", "submitted_at"]
    inlines = [AttachmentInline]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(ServiceAddressConfirmation)
class ServiceAddressConfirmationAdmin(AuditedModelAdmin[ServiceAddressConfirmation]):
    list_display = ["case", "person", "country", "consent_electronic_service", "confirmed_at"]
    list_filter = ["country", "consent_electronic_service"]
    raw_id_fields = ["case", "person", "confirmed_by"]

    def has_add_permission(self, request: object) -> bool:
        return False
