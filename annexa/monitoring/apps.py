from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "annexa.monitoring"
    label = "monitoring"
