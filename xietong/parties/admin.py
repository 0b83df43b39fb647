from django.contrib import admin

from xietong.core.admin import AuditedModelAdmin

from .models import Authorisation


@admin.register(Authorisation)
class AuthorisationAdmin(AuditedModelAdmin[Authorisation]):
    """Persons themselves are not edited in the back office: their data is personal and audited on view."""

    list_display = ["agent", "principal", "relationship", "reason", "valid_from", "valid_until", "revoked_at"]
    list_filter = ["relationship", "reason"]
    raw_id_fields = ["principal", "agent"]
    # The document is shown by name only: no view serves it yet, and MEDIA_ROOT is never served.
