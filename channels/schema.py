"""OpenAPI description of channel API key authentication (loaded by ChannelsConfig.ready)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ChannelApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "channels.auth.ChannelApiKeyAuthentication"
    name = "channelApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A channel's API key: `Token fk_<prefix>_<secret>`. Sees only that channel's orders.",
        }
