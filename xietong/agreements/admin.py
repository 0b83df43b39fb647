"""Back-office views of agreements: read-only (they are written by the services only)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from xietong.core.admin import AuditedModelAdmin

from .models import Agreement, AgreementSignature, Instalment


class ReadOnly(AuditedModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InstalmentInline(admin.TabularInline[Instalment, Agreement]):
    model = Instalment
    extra = 0
    can_delete = False
    readonly_fields = ["seq", "due_date", "amount"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Agreement)
class AgreementAdmin(ReadOnly):
    list_display = ["case", "version", "status", "agreed", "drafted_at", "frozen_at"]
    list_filter = ["status"]
    raw_id_fields = ["case", "drafted_by"]
    inlines = [InstalmentInline]

    def file_download_url(self, obj: Agreement, field: str) -> str | None:
        return reverse("agreement-pdf", args=[obj.case_id, obj.pk])


@admin.register(AgreementSignature)
class AgreementSignatureAdmin(ReadOnly):
    list_display = ["agreement", "signer", "method", "signed_at"]
    list_filter = ["method"]
    raw_id_fields = ["agreement", "case_party", "signed_by"]
