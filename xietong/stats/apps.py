from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "xietong.stats"
    label = "stats"
    verbose_name = _("Figures")

    def ready(self) -> None:
        from xietong.accounts.permissions import permissions_register
        from xietong.cases.registry import receiver_register

        from . import checks  # noqa: F401 - registers the check that the charts' library is installed
        from .permissions import PERMISSIONS
        from .rollup import on_case_transition, on_cases_transition

        receiver_register("stats", on_case_transition, many=on_cases_transition)
        permissions_register(PERMISSIONS)
