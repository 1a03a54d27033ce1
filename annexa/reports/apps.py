from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "annexa.reports"
    label = "reports"

    def ready(self) -> None:
        # Audits sit below reports: they learn of the report rule through this registration.
        from annexa.audits.services import audits
        from annexa.reports import services

        audits.register_close_check(services.closing_blockers)
