"""Keeping what a marketplace hands back about our credentials: a renewed access token."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from core.crypto import credentials_decrypt, credentials_encrypt
from marketplaces.models import ChannelSync

#: What a connector may change in the stored credentials by itself (never the secrets staff entered).
TOKEN_FIELDS = ("access_token", "access_token_expires_at")


def channel_token_store(*, channel_id: int, token: Mapping[str, str]) -> bool:
    """Keep a newly minted access token with the channel's encrypted credentials, so other workers reuse it.

    `token` carries `access_token`, `access_token_expires_at` and the `refresh_token` it was minted
    with. If staff saved another refresh token meanwhile, the token belongs to the old grant and is
    dropped (returns False). A short row lock, taken after the network call, orders concurrent stores.
    """
    with transaction.atomic():
        sync = ChannelSync.objects.select_for_update().filter(channel_id=channel_id).first()
        if sync is None:
            return False
        stored = credentials_decrypt(sync.credentials_encrypted)
        if stored.get("refresh_token", "") != token.get("refresh_token", ""):
            return False
        stored.update({name: str(token[name]) for name in TOKEN_FIELDS if token.get(name)})
        # An update, not a save: a renewed token is a cache, not a change anyone made, so the audit
        # trail (which records saves of the connection) does not list one every two hours.
        ChannelSync.objects.filter(pk=sync.pk).update(credentials_encrypted=credentials_encrypt(stored))
    return True
