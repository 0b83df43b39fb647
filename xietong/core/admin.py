"""Back-office edits go into the audit trail like every other write."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest

from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record

M = TypeVar("M", bound=models.Model)


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
