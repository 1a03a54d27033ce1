from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "annexa.orgs"
    label = "orgs"
    verbose_name = "Organizations and people"

    def ready(self) -> None:
        # Registers the API key scheme with drf-spectacular (extensions register on import).
        from annexa.orgs.api import schema  # noqa: F401
        from annexa.orgs.security import connect

        connect()
