from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from xietong.core.admin import AuditedModelAdmin

from .models import ApiClient, ApiToken, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin[Organisation]):
    list_display = ["name", "kind", "court_code", "uscc", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "court_code", "uscc"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin[User], BaseUserAdmin):
    list_display = ["username", "full_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active", "organisation__kind"]
    search_fields = ["username", "full_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Role in the center"), {"fields": ("role", "organisation", "full_name", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Role in the center"), {"fields": ("role", "organisation", "full_name")}),
    )


class ApiTokenInline(admin.TabularInline[ApiToken, ApiClient]):
    """A client's tokens, read only: issued and revoked on the API clients page (`api_token_rotate`)."""

    model = ApiToken
    fields = ["prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin[ApiClient]):
    """API clients are created with `api_client_create` (the token is shown once); here they are read or revoked."""

    inlines = [ApiTokenInline]

    list_display = ["name", "organisation", "token_prefix", "is_active", "last_used_at"]
    readonly_fields = ["name", "organisation", "token_prefix", "created_at", "last_used_at", "is_active"]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected API clients"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        from .services import api_client_revoke

        for client in queryset.filter(is_active=True):
            api_client_revoke(actor=request.user, client=client)
