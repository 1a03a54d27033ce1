from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "annexa.risks"
    label = "risks"
    verbose_name = "Risks, assets and suppliers"

    def ready(self) -> None:
        # The SoA (isms) and the audit planner (audits) learn of the register only through
        # these registrations: neither imports the risks app.
        from annexa.risks.services import integration

        integration.register()
        # The supplier and treatment-action reminders' periodic jobs, registered with the queue
        # on import (the worker discovers only modules named ``tasks``).
        from annexa.risks import supplier_tasks, treatment_tasks  # noqa: F401
