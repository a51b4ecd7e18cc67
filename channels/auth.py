"""REST authentication with a channel API key: `Authorization: Token fk_<prefix>_<secret>`.

Staff tokens (DRF authtoken) use the same header; a token that does not look like a channel
key is left to the next authentication class.
"""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from channels.models import Channel, ChannelApiKey
from channels.services import api_key_authenticate
from channels.services.keys import KEY_PREFIX


class ChannelPrincipal:
    """The "user" of a request made with a channel key: authenticated, no staff permissions."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: ChannelApiKey) -> None:
        self.api_key = api_key
        self.channel: Channel = api_key.channel
        self.idempotency_scope = f"channel:{api_key.channel_id}"

    def __str__(self) -> str:
        return f"channel {self.channel.code}"

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        """A channel key holds no staff permission: it may only use the channel endpoints."""
        return False

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return False

    def get_username(self) -> str:
        return f"channel:{self.channel.code}"


class ChannelApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate `Token fk_...` headers as the channel that owns the key."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[ChannelPrincipal, ChannelApiKey] | None:
        header = authentication.get_authorization_header(request).split()
        if len(header) != 2 or header[0].decode(errors="replace") != self.keyword:
            return None
        raw = header[1].decode(errors="replace")
        if not raw.startswith(KEY_PREFIX):
            return None
        api_key = api_key_authenticate(raw)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid, revoked or disabled channel API key.")
        return ChannelPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
