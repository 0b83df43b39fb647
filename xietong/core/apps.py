from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xietong.core"
    label = "core"
