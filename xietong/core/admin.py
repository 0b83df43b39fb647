"""Back-office edits go into the audit trail like every other write."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record

M = TypeVar("M", bound=models.Model)

# The back office is the platform's, not "Django 管理".
admin.site.site_header = _("Xietong back office")
admin.site.site_title = _("Xietong back office")
admin.site.index_title = _("Reference data and records")

# The names of the back office's third-party models (login attempts, background tasks), which ship without a
# Chinese catalogue: listed here so that ours translates them.
THIRD_PARTY_NAMES = (
    _("access attempt"),
    _("access attempts"),
    _("access failure"),
    _("access failures"),
    _("access log"),
    _("access logs"),
    _("access attempt expiration"),
    _("access attempt expirations"),
    _("Task Result"),
    _("Task Results"),
)


def snapshot(obj: models.Model) -> dict[str, Any]:
    data = model_to_dict(obj)
    return {
        k: (v if not isinstance(v, list) else [getattr(x, "pk", x) for x in v])
        for k, v in data.items()
        if k != "password"
    }


class AuditedModelAdmin(admin.ModelAdmin[M]):
    """Saves and deletions in the admin write an audit entry in the same transaction."""

    def save_model(self, request: HttpRequest, obj: M, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action=AuditAction.REFERENCE_CHANGE,
                obj=obj,
                before=before,
                after=snapshot(obj),
                ip_address=request.META.get("REMOTE_ADDR"),
            )

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        with transaction.atomic():
            before = snapshot(obj)
            audit_record(
                actor=request.user,
                action=AuditAction.REFERENCE_CHANGE,
                obj=obj,
                before=before,
                after=None,
                ip_address=request.META.get("REMOTE_ADDR"),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
