from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "xietong.triage"
    label = "triage"
    verbose_name = _("Triage")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register
        from xietong.cases.registry import event_kinds_register

        from .permissions import PERMISSIONS

        permissions_register(PERMISSIONS)
        event_kinds_register("triage", {"triage_changed": _("Triage changed")})
