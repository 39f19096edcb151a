from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "ganglioside.web.common"
    label = "common"
    verbose_name = "Shared parts of the web apps"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from .database import retry_locked_statements

        connection_created.connect(
            retry_locked_statements, weak=False, dispatch_uid="ganglioside-sqlite-lock-retry"
        )
