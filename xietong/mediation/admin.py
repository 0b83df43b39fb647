"""Back office: mediation records are read here; they are written through the services (pages, API)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from .models import Affordability, Assignment, ContactLog, MediationSession, MediatorProfile, Offer


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(MediatorProfile)
class MediatorProfileAdmin(ReadOnlyAdmin):
    list_display = ["user", "organisation", "capacity", "is_available"]
    list_filter = ["is_available"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["case", "mediator", "previous", "auto", "assigned_by", "at"]
    list_filter = ["auto"]


@admin.register(ContactLog)
class ContactLogAdmin(ReadOnlyAdmin):
    list_display = ["case", "mediator", "channel", "outcome", "next_step_on", "at"]
    list_filter = ["channel", "outcome"]


@admin.register(MediationSession)
class MediationSessionAdmin(ReadOnlyAdmin):
    list_display = ["case", "starts_at", "mode", "status"]
    list_filter = ["mode", "status"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ["case", "side", "total", "instalments", "status", "created_at"]
    list_filter = ["side", "status"]


@admin.register(Affordability)
class AffordabilityAdmin(ReadOnlyAdmin):
    list_display = ["case", "person", "monthly_income", "monthly_expenses", "other_debts", "updated_at"]
