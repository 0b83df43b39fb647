from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepaymentConfig(AppConfig):
    name = "xietong.repayment"
    label = "repayment"
    verbose_name = _("Repayment")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register
        from xietong.cases.registry import (
            demo_step_register,
            event_kinds_register,
            guard_register,
            panel_register,
            receiver_register,
            status_part_register,
        )

        from . import demo
        from .panels import repayment_panel
        from .permissions import PERMISSIONS
        from .services import close_guard, enforce_guard, fulfil_guard, on_case_transition
        from .status import RepaymentStatusOut, repayment_status_sections

        permissions_register(PERMISSIONS)
        panel_register("repayment", repayment_panel)
        receiver_register("repayment", on_case_transition)
        status_part_register("repayment", repayment_status_sections, schema=RepaymentStatusOut)
        guard_register("repayment.plan_repaid", fulfil_guard)
        guard_register("repayment.application_accepted", enforce_guard)
        guard_register("repayment.enforcement_result", close_guard)
        demo_step_register("fulfil", demo.fulfil)
        demo_step_register("enforce", demo.enforce)
        demo_step_register("close", demo.close)
        demo_step_register("start_performance", demo.start_performance)
        event_kinds_register(
            "repayment",
            {
                "repayment_plan_created": _("Repayment plan made"),
                "payment_reported": _("Payment reported"),
                "payment_declared": _("Payment declared by the debtor"),
                "declaration_confirmed": _("Declared payment confirmed by the creditor"),
                "declaration_disputed": _("Declared payment disputed by the creditor"),
                "declaration_settled": _("Disputed payment settled"),
                "instalment_state_changed": _("Instalment changed state"),
                "instalment_waived": _("Instalment waived by the creditor"),
                "reminder_sent": _("Reminder sent"),
                "plan_defaulted": _("Repayment plan defaulted"),
                "time_requested": _("More time asked for"),
                "time_request_declined": _("Request for more time declined"),
                "plan_revision_drafted": _("New plan proposed"),
                "plan_revision_signed": _("New plan agreed by a party"),
                "plan_revision_voided": _("Proposed plan withdrawn"),
                "plan_revised": _("New plan in force"),
                "plan_suspended": _("Repayment suspended for hardship"),
                "plan_resumed": _("Repayment resumed after a suspension"),
                "plan_completed": _("Repayment plan repaid in full"),
                "debt_acknowledged": _("Debt acknowledged in writing"),
                "limitation_interrupted": _("Time limit to apply for enforcement interrupted"),
                "limitation_warning": _("Time limit to apply for enforcement ends soon"),
                "confirmation_requested": _("Confirmation asked for by the creditor"),
                "enforcement_applied": _("Enforcement applied for"),
                "enforcement_result": _("Enforcement result recorded"),
            },
        )
