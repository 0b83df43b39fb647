from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "xietong.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from xietong.cases.registry import receiver_register

        from .services import on_case_transition, on_cases_transition

        receiver_register("webhooks", on_case_transition, many=on_cases_transition)
