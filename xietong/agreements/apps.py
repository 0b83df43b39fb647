from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "xietong.agreements"
    label = "agreements"
    verbose_name = _("Agreements")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register
        from xietong.cases.registry import demo_step_register, event_kinds_register, guard_register, panel_register

        from .demo import reach_agreement
        from .guards import needs_signed_agreement
        from .panels import agreement_panel
        from .permissions import PERMISSIONS

        permissions_register(PERMISSIONS)
        panel_register("agreements", agreement_panel)
        guard_register("agreements.signed", needs_signed_agreement)
        demo_step_register("reach_agreement", reach_agreement)
        event_kinds_register(
            "agreements",
            {
                "agreement_drafted": _("Agreement drafted"),
                "agreement_sent": _("Agreement sent for signing"),
                "agreement_signed": _("Agreement signed by a party"),
                "agreement_voided": _("Agreement voided"),
            },
        )
