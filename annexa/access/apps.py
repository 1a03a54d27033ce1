from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "annexa.access"
    label = "access"
    verbose_name = "Access reviews"

    def ready(self) -> None:
        from annexa.access.services import verify_revocations
        from annexa.people.services.accounts import register_sync_listener

        # A read of a system's accounts verifies the revocations decided in its reviews.
        register_sync_listener(verify_revocations)
        from annexa.access import reminder_tasks  # noqa: F401 (registers the periodic job)
