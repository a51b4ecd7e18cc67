from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        from channels import schema  # noqa: F401  (registers the OpenAPI description of channel API keys)
