from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "annexa.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        # Layers below monitoring learn about it only through these registrations: the
        # keyring rotation re-seals the webhook secrets, audit checklists show test results,
        # queued connector runs are executed (and judged) by the monitoring.collect job.
        from annexa.audits.services import checklist_rows
        from annexa.connectors.services import keys, runs
        from annexa.monitoring import checklist, tasks
        from annexa.monitoring.services import notifications

        keys.register_sealed_holder(notifications.reseal_all, notifications.sealed_tokens)
        checklist_rows.register_automated_source(checklist.automated_results)
        runs.register_dispatcher(tasks.collect)
