from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "xietong.service"
    label = "service"
    verbose_name = _("Service of documents")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register
        from xietong.cases.registry import event_kinds_register, panel_register

        from .panels import service_panel
        from .permissions import PERMISSIONS

        permissions_register(PERMISSIONS)

        panel_register("service", service_panel)
        event_kinds_register(
            "service",
            {
                "service_sent": _("Document sent for service"),
                "service_served": _("Document served"),
                "service_alternative": _("Document served by an alternative"),
            },
        )
