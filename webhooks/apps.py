from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed outbound webhooks to the merchant's systems."""

    name = "webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from webhooks import receivers  # noqa: F401 (connects the signal receivers once the apps are loaded)
