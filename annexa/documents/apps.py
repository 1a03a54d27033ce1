from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "annexa.documents"
    label = "documents"
    verbose_name = "Documented information"

    def ready(self) -> None:
        # The reminders' periodic job, registered with the queue on import.
        from annexa.documents import tasks_reminders  # noqa: F401
