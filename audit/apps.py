"""The audit app's configuration."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail: who changed which master-data record, when, before and after."""

    name = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from audit import receivers  # noqa: F401 (connects the SKU and location History panels)
