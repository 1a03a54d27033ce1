from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "annexa.core"
    label = "core"
