from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "xietong.mediation"
    label = "mediation"
    verbose_name = _("Mediation")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register
        from xietong.cases.registry import event_kinds_register, panel_register, status_part_register

        from .panel import mediation_panel
        from .permissions import PERMISSIONS
        from .status import MediationSessionStatusOut, mediation_status_sections

        permissions_register(PERMISSIONS)

        panel_register("mediation", mediation_panel)
        status_part_register("mediation_session", mediation_status_sections, schema=MediationSessionStatusOut)
        event_kinds_register(
            "mediation",
            {
                "mediation_session": _("Mediation session scheduled"),
                "mediation_session_held": _("Mediation session held"),
                "mediation_session_cancelled": _("Mediation session cancelled"),
                "contact_logged": _("Mediator contacted a party"),
                "offer_made": _("Offer made"),
                "offer_answered": _("Offer answered"),
            },
        )
