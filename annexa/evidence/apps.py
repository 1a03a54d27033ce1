from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "annexa.evidence"
    label = "evidence"
