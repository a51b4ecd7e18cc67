from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core.roles import roles_sync

        # `migrate` and `flush` send post_migrate once per app with models, in INSTALLED_APPS
        # order, and each app's permissions are created by its own signal. The roles need every
        # app's permissions, and syncing them once per app cost about two seconds a flush (every
        # transactional test): sync once, after the last app's permissions exist.
        last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
        post_migrate.connect(roles_sync, sender=last, dispatch_uid="core.roles_sync")
