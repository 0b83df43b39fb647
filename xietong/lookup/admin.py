from django.contrib import admin

from xietong.core.admin import AuditedModelAdmin

from .models import OverdueDebt


@admin.register(OverdueDebt)
class OverdueDebtAdmin(AuditedModelAdmin[OverdueDebt]):
    list_display = ["institution", "person", "product", "contract_number", "principal", "overdue_since", "case"]
    list_filter = ["institution", "product"]
    raw_id_fields = ["person", "case"]
    search_fields = ["contract_number", "person__name"]
