from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "xietong.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from xietong.cases.services import transition_receivers

        from .services import on_case_transition

        if on_case_transition not in transition_receivers:
            transition_receivers.append(on_case_transition)
