from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JudiciaryConfig(AppConfig):
    name = "xietong.judiciary"
    label = "judiciary"
    verbose_name = _("Judiciary")
