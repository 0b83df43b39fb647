from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "xietong.intake"
    label = "intake"
    verbose_name = _("Intake")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register
        from xietong.cases.registry import panel_register

        from .attachments import attachments_panel
        from .permissions import PERMISSIONS

        permissions_register(PERMISSIONS)

        panel_register("intake.attachments", attachments_panel)
