from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "annexa.findings"
    label = "findings"
