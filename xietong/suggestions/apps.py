from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    name = "xietong.suggestions"
    label = "suggestions"
    verbose_name = _("Judicial suggestions")

    def ready(self) -> None:
        from xietong.accounts.permissions import for_roles, permissions_register

        from .selectors import REGISTER_ROLES

        # The register (台账) and the suggestions each role may see (selectors.suggestions_for).
        permissions_register({"suggestions.view": for_roles(*REGISTER_ROLES)})
