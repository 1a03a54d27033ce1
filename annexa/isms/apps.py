from django.apps import AppConfig


class IsmsConfig(AppConfig):
    name = "annexa.isms"
    label = "isms"
