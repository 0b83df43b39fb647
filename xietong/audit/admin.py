from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction
from .models import AuditEntry


class ActionFilter(admin.SimpleListFilter):
    """The audit actions by label (the field itself carries no choices: see AuditEntry.action)."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(code), str(label)) for code, label in AuditAction.choices]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = ["seq", "at", "actor_label", "action", "action_label", "object_type", "object_id", "object_repr"]
    list_filter = [ActionFilter, "actor_kind"]
    search_fields = ["object_id", "object_repr", "actor_label"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
