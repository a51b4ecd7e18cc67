from django.apps import AppConfig


class MarketplacesConfig(AppConfig):
    """The marketplace sync engine: connectors and sandboxes, stock sync, webhooks, order ingestion."""

    name = "marketplaces"
    label = "marketplaces"
    verbose_name = "Marketplaces"

    def ready(self) -> None:
        from marketplaces import (
            receivers_pool,  # noqa: F401 (keeps routing's copy of each channel's pool)
            signals,  # noqa: F401 (connects the signal receivers once the apps are loaded)
        )
