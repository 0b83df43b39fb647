from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "xietong.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register

        from . import checks  # noqa: F401  (the registry's system check)
        from .guards import CASE_GUARDS
        from .permissions import CASES_PERMISSIONS
        from .registry import event_kinds_register, guard_register

        permissions_register(CASES_PERMISSIONS)
        for key, guard in CASE_GUARDS.items():
            guard_register(key, guard)
        event_kinds_register(
            "cases",
            {
                "created": _("Case opened"),
                "mediator_assigned": _("Mediator assigned"),
                "team_assigned": _("Team assigned"),
            },
        )
