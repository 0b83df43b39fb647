from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LookupConfig(AppConfig):
    name = "xietong.lookup"
    label = "lookup"
    verbose_name = _("Pre-filing lookup")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register

        from .permissions import PERMISSIONS

        permissions_register(PERMISSIONS)
