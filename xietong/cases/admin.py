from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from xietong.core.admin import AuditedModelAdmin

from .models import Case, Category, Team
from .status import status_docs_save


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin[Category]):
    list_display = ["name", "code", "colour", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    prepopulated_fields = {"code": ["name"]}

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and "colour" in form.changed_data:  # the colour is part of its cases' status documents
                status_docs_save(Case.objects.filter(category=obj).values_list("pk", flat=True))


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin[Team]):
    list_display = ["name", "kind", "court"]
    list_filter = ["kind", "court"]
    filter_horizontal = ["members"]
