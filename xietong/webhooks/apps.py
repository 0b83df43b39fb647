from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "xietong.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register
        from xietong.cases.registry import receiver_register

        from .permissions import PERMISSIONS
        from .services import on_case_transition, on_cases_transition

        permissions_register(PERMISSIONS)

        receiver_register("webhooks", on_case_transition, many=on_cases_transition)
