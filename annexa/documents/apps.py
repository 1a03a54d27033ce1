from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "annexa.documents"
    label = "documents"
    verbose_name = "Documented information"
