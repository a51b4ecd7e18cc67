from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        from channels import schema, signals  # noqa: F401  (OpenAPI auth extension; signal receivers)
