from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core.roles import roles_sync

        post_migrate.connect(roles_sync, dispatch_uid="core.roles_sync")
