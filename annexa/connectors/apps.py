from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "annexa.connectors"
    label = "connectors"
