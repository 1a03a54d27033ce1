from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "annexa.core"
    label = "core"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from annexa.core import sessions

        user_logged_in.connect(sessions.stamp_sign_in, dispatch_uid="annexa.sessions.stamp")
        post_save.connect(
            sessions.end_sessions_of_disabled_user,
            sender=get_user_model(),
            dispatch_uid="annexa.sessions.disabled",
        )
