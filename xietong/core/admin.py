"""Back-office edits go into the audit trail like every other write."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils.html import format_html
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


# Stored files in the back office ---------------------------------------------------------------------
# MEDIA_ROOT is never served: a stored file leaves only through a view that applies the case's visibility
# and audits the download. The back office shows a file's name, linked to that view where there is one,
# and never the file's own URL (a /media/ link that 404s and names the file's path).


def stored_file_name(value: Any) -> str:
    return posixpath.basename(str(getattr(value, "name", "") or ""))


def stored_file_html(value: Any, url: str | None) -> str:
    name = stored_file_name(value)
    if not name:
        return ""
    return format_html('<a href="{}">{}</a>', url, name) if url else name


class StoredFileWidget(AdminFileWidget):
    """The upload input of a back-office form: the current file by name, linked only to its audited view."""

    template_name = "admin/widgets/stored_file_input.html"
    download_url: str | None = None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["file_name"] = stored_file_name(value) if self.is_initial(value) else ""
        context["widget"]["download_url"] = self.download_url
        return context


def _stored_name(field: str) -> str:
    return f"{field}_stored_file"


class AuditedModelAdmin(admin.ModelAdmin[M]):
    """Saves and deletions in the admin write an audit entry in the same transaction.

    Its file fields show the file's name and a link to the audited download (`file_download_url`), never
    the stored file's URL: in an editable form through `StoredFileWidget`, read-only as a display of
    their own."""

    formfield_overrides = {models.FileField: {"widget": StoredFileWidget}}

    def file_download_url(self, obj: M, field: str) -> str | None:
        """The audited view that serves `obj`'s file `field`, if there is one (None: the name alone)."""
        return None

    def __init__(self, model: type[M], admin_site: Any) -> None:
        super().__init__(model, admin_site)
        self.file_fields = [f for f in model._meta.fields if isinstance(f, models.FileField)]
        for f in self.file_fields:
            setattr(self, _stored_name(f.name), self._stored_display(f))

    def _stored_display(self, field: models.FileField) -> Callable[[M], str]:
        def show(obj: M) -> str:
            return stored_file_html(getattr(obj, field.name), self.file_download_url(obj, field.name))

        show.short_description = field.verbose_name  # type: ignore[attr-defined]
        return show

    def get_form(self, request: HttpRequest, obj: M | None = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        for name, formfield in form.base_fields.items():
            if isinstance(formfield.widget, StoredFileWidget):
                formfield.widget.download_url = self.file_download_url(obj, name) if obj is not None else None
        return form

    def get_fieldsets(self, request: HttpRequest, obj: M | None = None) -> Any:
        """Read-only (no change permission), a file field is shown by the display of its own."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.file_fields or self.has_change_permission(request, obj):
            return fieldsets
        names = {f.name for f in self.file_fields}

        def swap(item: Any) -> Any:
            if isinstance(item, (list, tuple)):
                return type(item)(swap(i) for i in item)
            return _stored_name(item) if item in names else item

        return [(title, {**options, "fields": swap(options["fields"])}) for title, options in fieldsets]

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
