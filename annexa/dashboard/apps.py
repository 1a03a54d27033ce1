from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "annexa.dashboard"
    label = "dashboard"
