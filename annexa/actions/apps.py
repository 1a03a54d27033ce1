from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "annexa.actions"
    label = "actions"
