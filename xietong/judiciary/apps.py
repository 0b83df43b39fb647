from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JudiciaryConfig(AppConfig):
    name = "xietong.judiciary"
    label = "judiciary"
    verbose_name = _("Judiciary")

    def ready(self) -> None:
        from xietong.cases.panels import panel_register

        from .panels import judiciary_panel

        panel_register(judiciary_panel)
