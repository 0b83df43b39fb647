from django.contrib import admin

from .models import EnforcementApplication, Payment, PlanInstalment, Reminder, RepaymentPlan


class InstalmentInline(admin.TabularInline):
    model = PlanInstalment
    extra = 0
    readonly_fields = ("seq", "due_date", "amount", "paid", "state", "paid_on")
    can_delete = False


@admin.register(RepaymentPlan)
class RepaymentPlanAdmin(admin.ModelAdmin):
    list_display = ("case", "version", "status", "total", "paid", "basis_number")
    list_filter = ("status",)
    inlines = [InstalmentInline]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # writes go through the services (audited)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("case", "paid_on", "amount", "reference", "reported_by_label")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


admin.site.register(Reminder)
admin.site.register(EnforcementApplication)
