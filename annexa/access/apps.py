from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "annexa.access"
    label = "access"
    verbose_name = "Access reviews"
