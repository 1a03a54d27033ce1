from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "annexa.catalog"
    label = "catalog"
