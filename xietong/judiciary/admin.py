"""Back-office views of the judiciary's records: read-only (they are written by the services only)."""

from typing import Any

from django.contrib import admin
from django.urls import reverse

from xietong.core.admin import AuditedModelAdmin

from .models import ConfirmationReview, FilingRequest, Hearing, Ruling, TrialOutcome


class ReadOnly(AuditedModelAdmin[Any]):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ConfirmationReview)
class ConfirmationReviewAdmin(ReadOnly):
    list_display = ["case", "agreement", "judge", "decision", "decided_at"]
    list_filter = ["decision"]
    raw_id_fields = ["case", "agreement", "judge", "event"]


@admin.register(Ruling)
class RulingAdmin(ReadOnly):
    list_display = ["number", "case", "kind", "judge", "issued_at", "sha256"]
    list_filter = ["kind"]
    search_fields = ["number"]
    raw_id_fields = ["case", "judge", "review", "outcome"]

    def file_download_url(self, obj: Ruling, field: str) -> str | None:
        return reverse("judiciary-ruling-pdf", args=[obj.case_id, obj.pk])


@admin.register(FilingRequest)
class FilingRequestAdmin(ReadOnly):
    list_display = ["case", "party", "channel", "requested_by", "at"]
    list_filter = ["channel"]
    raw_id_fields = ["case", "party", "requested_by_user", "requested_by_api_client"]


@admin.register(Hearing)
class HearingAdmin(ReadOnly):
    list_display = ["case", "starts_at", "place", "judge", "status"]
    list_filter = ["status"]
    raw_id_fields = ["case", "judge"]


@admin.register(TrialOutcome)
class TrialOutcomeAdmin(ReadOnly):
    list_display = ["case", "kind", "amount_awarded", "judge", "decided_at"]
    list_filter = ["kind"]
    raw_id_fields = ["case", "judge"]
