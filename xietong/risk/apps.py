from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "xietong.risk"
    label = "risk"
    verbose_name = _("Group-risk early warning")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register

        from .permissions import PERMISSIONS

        permissions_register(PERMISSIONS)
