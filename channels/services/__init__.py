"""Channel write services."""

from channels.services.keys import IssuedKey, api_key_authenticate, api_key_issue, api_key_revoke, channel_create

__all__ = ["IssuedKey", "api_key_authenticate", "api_key_issue", "api_key_revoke", "channel_create"]
