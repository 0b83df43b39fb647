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
        from .rollup import on_case_transition, on_cases_transition
        from .selectors import audience_for

        receiver_register("stats", on_case_transition, many=on_cases_transition)
        # The dashboard: every role with an audience (parties and station agents have none).
        permissions_register({"stats.dashboard": lambda actor, obj: audience_for(actor) is not None})
