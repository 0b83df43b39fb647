from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "xietong.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register

        from .permissions import PERMISSIONS

        permissions_register(PERMISSIONS)
