from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "xietong.accounts"
    label = "accounts"
    verbose_name = _("Organisations and people")

    def ready(self) -> None:
        from . import signals  # noqa: F401
        from .permissions import ACCOUNTS_PERMISSIONS, permissions_register

        permissions_register(ACCOUNTS_PERMISSIONS)
