from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JudiciaryConfig(AppConfig):
    name = "xietong.judiciary"
    label = "judiciary"
    verbose_name = _("Judiciary")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register
        from xietong.cases.registry import (
            demo_step_register,
            event_kinds_register,
            guard_register,
            panel_register,
            status_part_register,
        )

        from . import demo, guards
        from .panels import judiciary_panel
        from .permissions import PERMISSIONS
        from .status import HearingStatusOut, hearing_status_sections

        permissions_register(PERMISSIONS)

        panel_register("judiciary", judiciary_panel)
        status_part_register("hearing", hearing_status_sections, schema=HearingStatusOut)
        guard_register("judiciary.confirm_ready", guards.confirm_guard)
        guard_register("judiciary.refusal_ready", guards.refuse_confirmation_guard)
        guard_register("judiciary.filing_requested", guards.file_guard)
        guard_register("judiciary.outcome_ready", guards.try_guard)
        demo_step_register("confirm", demo.confirm)
        demo_step_register("refuse_confirmation", demo.refuse_confirmation)
        demo_step_register("file", demo.file_for_trial)
        demo_step_register("try", demo.try_case)
        event_kinds_register(
            "judiciary",
            {
                "ruling_issued": _("Ruling issued"),
                "filing_requested": _("Filing requested by the plaintiff"),
                "hearing_scheduled": _("Hearing scheduled"),
                "hearing_held": _("Hearing held"),
                "hearing_adjourned": _("Hearing adjourned"),
                "hearing_cancelled": _("Hearing cancelled"),
            },
        )
