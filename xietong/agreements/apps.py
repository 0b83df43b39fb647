from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "xietong.agreements"
    label = "agreements"
    verbose_name = _("Agreements")

    def ready(self) -> None:
        from xietong.cases.panels import panel_register

        from .panels import agreement_panel

        panel_register(agreement_panel)
