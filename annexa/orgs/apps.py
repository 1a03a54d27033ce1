from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "annexa.orgs"
    label = "orgs"
    verbose_name = "Organizations and people"
