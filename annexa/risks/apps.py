from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "annexa.risks"
    label = "risks"
    verbose_name = "Risks, assets and suppliers"
