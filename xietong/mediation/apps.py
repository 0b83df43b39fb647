from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "xietong.mediation"
    label = "mediation"
    verbose_name = _("Mediation")

    def ready(self) -> None:
        from xietong.cases.panels import panel_register

        from .panel import mediation_panel

        panel_register(mediation_panel)
