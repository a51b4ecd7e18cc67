from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    label = "fulfillment"
    verbose_name = "Fulfillment"

    def ready(self) -> None:
        from fulfillment import receivers  # noqa: F401  (connects the receivers)
