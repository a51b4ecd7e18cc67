"""Channels and their API keys: create, issue, revoke, authenticate."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from channels.models import Channel, ChannelApiKey
from core.errors import Conflict, ValidationFailed
from core.types import AnyUser

KEY_PREFIX = "fk_"

logger = logging.getLogger(__name__)

# How long a looked-up key is kept in the cache. Any change of the key or its channel forgets it
# at once (receivers below); with a per-process cache (no Redis) the other processes only learn
# of it when their copy expires, so that copy is kept for seconds, not minutes.
API_KEY_CACHE_SECONDS = 300
API_KEY_LOCAL_CACHE_SECONDS = 5
LAST_USED_EVERY_SECONDS = 60
# key id -> when this process last wrote its last_used_at (monotonic)
_last_used_written: dict[int, float] = {}


@dataclass(frozen=True)
class IssuedKey:
    """A freshly issued key: `secret` is the only time the full key exists in clear."""

    api_key: ChannelApiKey
    secret: str


def _hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def channel_create(*, code: str, name: str, kind: str, currency: str = "USD", is_active: bool = True) -> Channel:
    """Create a sales channel."""
    channel = Channel(code=code, name=name, kind=kind, currency=currency, is_active=is_active)
    try:
        channel.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationFailed(messages[0], field=None if field == "__all__" else field) from exc
    channel.save()
    return channel


def api_key_issue(*, channel: Channel, name: str, actor: AnyUser | None) -> IssuedKey:
    """Issue a new key for a channel. The returned secret is shown once and never stored."""
    if not name.strip():
        raise ValidationFailed("Give the key a name that says what uses it.", field="name")
    prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        api_key = ChannelApiKey.objects.create(
            channel=channel,
            name=name.strip()[:80],
            prefix=prefix,
            key_hash=_hash(raw),
            created_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
        )
    return IssuedKey(api_key=api_key, secret=raw)


def api_key_revoke(*, api_key: ChannelApiKey) -> ChannelApiKey:
    """Revoke a key at once; a revoked key never authenticates again."""
    with transaction.atomic():
        locked = ChannelApiKey.objects.select_for_update().get(pk=api_key.pk)
        if locked.revoked_at is not None:
            raise Conflict("This key is already revoked.")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
    return locked


def _cache_key(key_hash: str) -> str:
    return f"channels:api-key:{key_hash}"


def _cache_seconds() -> int:
    shared = not isinstance(caches["default"], LocMemCache)
    default = API_KEY_CACHE_SECONDS if shared else API_KEY_LOCAL_CACHE_SECONDS
    return int(getattr(settings, "CHANNEL_API_KEY_CACHE_SECONDS", default))


def _cached_key(key_hash: str) -> ChannelApiKey | None:
    try:
        found = cache.get(_cache_key(key_hash))
    except Exception:
        logger.warning("The cache is unavailable; reading the channel API key from the database.")
        return None
    return found if isinstance(found, ChannelApiKey) else None


def _keep_key(found: ChannelApiKey) -> None:
    try:
        cache.set(_cache_key(found.key_hash), found, timeout=_cache_seconds())
    except Exception:
        logger.warning("The cache is unavailable; the channel API key is read again on the next request.")


def api_keys_forget(key_hashes: list[str]) -> None:
    """Drop these keys from the cache, now and again once the current transaction commits (so a
    request that read the old row meanwhile cannot put it back for long)."""
    keys = [_cache_key(key_hash) for key_hash in key_hashes]
    if not keys:
        return

    def forget() -> None:
        try:
            cache.delete_many(keys)
        except Exception:
            logger.warning("Could not forget %s cached channel API keys; they expire within minutes.", len(keys))

    forget()
    transaction.on_commit(forget)


def api_key_authenticate(raw_key: str) -> ChannelApiKey | None:
    """The active key (with its enabled channel) matching a presented key, or None.

    Compares hashes (a database lookup by hash is constant-time enough for a 256-bit secret).
    A key that authenticated is cached by its hash, with its channel: the order API answers
    without this query. Revoking, deleting or changing the key, or changing or disabling its
    channel, forgets it (`api_keys_forget`), so the next request reads the database and is
    refused. Records when the key was last used, at most once a minute per process.
    """
    if not raw_key.startswith(KEY_PREFIX):
        return None
    key_hash = _hash(raw_key)
    found = _cached_key(key_hash)
    if found is None:
        found = (
            ChannelApiKey.objects.select_related("channel")
            .filter(key_hash=key_hash, revoked_at__isnull=True, channel__is_active=True)
            .first()
        )
        if found is None:
            return None
        _keep_key(found)
    moment = time.monotonic()
    if moment - _last_used_written.get(found.pk, -1e9) > LAST_USED_EVERY_SECONDS:
        _last_used_written[found.pk] = moment
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > LAST_USED_EVERY_SECONDS:
            ChannelApiKey.objects.filter(pk=found.pk).update(last_used_at=now)
    return found


def _key_changed(sender: Any, instance: ChannelApiKey, **kwargs: Any) -> None:
    api_keys_forget([instance.key_hash])


def _channel_changed(sender: Any, instance: Channel, **kwargs: Any) -> None:
    api_keys_forget(list(ChannelApiKey.objects.filter(channel_id=instance.pk).values_list("key_hash", flat=True)))


post_save.connect(_key_changed, sender=ChannelApiKey, dispatch_uid="channels.api_key_saved")
post_delete.connect(_key_changed, sender=ChannelApiKey, dispatch_uid="channels.api_key_deleted")
post_save.connect(_channel_changed, sender=Channel, dispatch_uid="channels.channel_saved")
# A deleted channel takes its keys with it (cascade): each key's post_delete forgets it.
