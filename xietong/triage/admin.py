from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from xietong.core.admin import AuditedModelAdmin

from .models import SmallClaimsMemorandum, TriageDecision, TriageRule


@admin.register(TriageRule)
class TriageRuleAdmin(AuditedModelAdmin[TriageRule]):
    change_list_template = "triage/rule_change_list.html"  # the list, then what each route led to
    list_display = ["position", "name", "is_active", "set_category", "set_channel", "set_track", "set_team"]
    list_display_links = ["name"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "set_channel", "set_track"]
    search_fields = ["name", "description"]
    filter_horizontal = ["institutions", "categories"]
    fieldsets = [
        (None, {"fields": ["name", "position", "is_active", "description"]}),
        (
            _("Conditions (every one that is filled in must hold; empty = not checked)"),
            {
                "fields": [
                    ("min_total", "max_total"),
                    "products",
                    "institutions",
                    "categories",
                    ("min_parties", "max_parties"),
                    "has_overseas_party",
                    "wishes",
                    "keywords",
                    "in_risk_stratum",
                ]
            },
        ),
        (
            _("Outcomes (the first matching rule wins per field)"),
            {"fields": ["set_category", "set_channel", "set_track", "set_team"]},
        ),
    ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The rules, and below them the outcomes of the cases each routed in the last 12 months (xietong/stats)."""
        from xietong.stats.selectors import triage_outcomes

        period, outcomes = triage_outcomes()
        context = {**(extra_context or {}), "outcomes": outcomes, "outcomes_period": period}
        return super().changelist_view(request, extra_context=context)


@admin.register(SmallClaimsMemorandum)
class SmallClaimsMemorandumAdmin(AuditedModelAdmin[SmallClaimsMemorandum]):
    list_display = ["institution", "signed_on", "valid_until", "amount_limit"]
    list_filter = ["institution"]


@admin.register(TriageDecision)
class TriageDecisionAdmin(admin.ModelAdmin[TriageDecision]):
    """Read only: decisions are written by the triage services."""

    list_display = ["case", "kind", "rule_name", "channel", "track", "actor_label", "at"]
    list_filter = ["kind", "channel", "track"]
    readonly_fields = [f.name for f in TriageDecision._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
