from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "annexa.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        # Layers below monitoring learn about it only through these registrations: the
        # keyring rotation re-seals the webhook secrets, audit checklists show test results.
        from annexa.audits.services import checklist_rows
        from annexa.connectors.services import keys
        from annexa.monitoring import checklist
        from annexa.monitoring.services import notifications

        keys.register_sealed_holder(notifications.reseal_all, notifications.sealed_tokens)
        checklist_rows.register_automated_source(checklist.automated_results)
