from django.contrib import admin

from xietong.core.admin import AuditedModelAdmin

from .models import Category, Team


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin[Category]):
    list_display = ["name", "code", "colour", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin[Team]):
    list_display = ["name", "kind", "court"]
    list_filter = ["kind", "court"]
    filter_horizontal = ["members"]
