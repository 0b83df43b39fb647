from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BatchesConfig(AppConfig):
    name = "xietong.batches"
    label = "batches"
    verbose_name = _("Batches")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register

        from .permissions import PERMISSIONS

        permissions_register(PERMISSIONS)
