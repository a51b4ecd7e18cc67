from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Customer notifications: emails about an order's events, per channel, from an outbox."""

    name = "notifications"
    label = "notifications"
    verbose_name = "Customer notifications"

    def ready(self) -> None:
        from notifications import receivers  # noqa: F401 (connects the signal receivers once the apps are loaded)
