from django.contrib import admin
from django.urls import reverse

from xietong.core.admin import AuditedModelAdmin

from .models import Authorisation


@admin.register(Authorisation)
class AuthorisationAdmin(AuditedModelAdmin[Authorisation]):
    """Persons themselves are not edited in the back office: their data is personal and audited on view."""

    list_display = ["agent", "principal", "relationship", "reason", "valid_from", "valid_until", "revoked_at"]
    list_filter = ["relationship", "reason"]
    raw_id_fields = ["principal", "agent"]

    def file_download_url(self, obj: Authorisation, field: str) -> str | None:
        """The document by name, linked to its audited download (MEDIA_ROOT is never served)."""
        return reverse("authorisation-document", args=[obj.pk])
