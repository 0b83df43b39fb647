from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "xietong.outreach"
    label = "outreach"
    verbose_name = _("Outreach")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register

        from .permissions import PERMISSIONS

        permissions_register(PERMISSIONS)
