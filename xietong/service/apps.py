from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "xietong.service"
    label = "service"
    verbose_name = _("Service of documents")

    def ready(self) -> None:
        from xietong.cases.panels import panel_register

        from .panels import service_panel

        panel_register(service_panel)
