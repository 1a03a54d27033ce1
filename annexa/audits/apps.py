from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "annexa.audits"
    label = "audits"
    verbose_name = "Audit programme and audits"

    def ready(self) -> None:
        # Connects the receivers that re-run auditor independence checks on ownership changes.
        from annexa.audits import signals  # noqa: F401
