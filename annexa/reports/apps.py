from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "annexa.reports"
    label = "reports"
