"""Back office: each court's settings for its judicial suggestions (number form, reply period, second
signer, escalation and effect review), and the suggestions themselves to read. Who signs off is the
group 司法建议签发人 (permission `suggestions.sign_suggestion`), managed under Groups and Users."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xietong.accounts.choices import OrganisationKind
from xietong.core.admin import AuditedModelAdmin

from .models import CourtSuggestionSettings, Suggestion


@admin.register(CourtSuggestionSettings)
class CourtSuggestionSettingsAdmin(AuditedModelAdmin[CourtSuggestionSettings]):
    list_display = [
        "court",
        "number_prefix",
        "number_template",
        "reply_months",
        "second_signer_required",
        "escalate_after_days",
        "review_months",
    ]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "court":
            from xietong.accounts.models import Organisation

            kwargs["queryset"] = Organisation.objects.filter(kind=OrganisationKind.COURT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin[Suggestion]):
    """Read only: suggestions are drafted, signed, sent and answered through the pages (audited)."""

    list_display = ["number", "title", "institution", "state", "reply_deadline", "answered_at"]
    list_filter = ["state", "court"]
    search_fields = ["number", "title", "institution__name"]
    exclude = ["source_cases"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
