from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "xietong.triage"
    label = "triage"
    verbose_name = _("Triage")

    def ready(self) -> None:
        from xietong.cases.registry import event_kinds_register

        event_kinds_register("triage", {"triage_changed": _("Triage changed")})
