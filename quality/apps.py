"""The quality app: inspection rules, inspections, the quarantine bucket, photography."""

from django.apps import AppConfig


class QualityConfig(AppConfig):
    """Connects the receivers that open inspections when stock comes in."""

    name = "quality"
    verbose_name = "Quality"

    def ready(self) -> None:
        """Connect the signal receivers (receipts, the SKU page's gallery panel, new SKUs)."""
        from quality import receivers  # noqa: F401
