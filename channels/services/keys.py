"""Channels and their API keys: create, issue, revoke, authenticate."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from channels.models import Channel, ChannelApiKey
from core.errors import Conflict, ValidationFailed
from core.types import AnyUser

KEY_PREFIX = "fk_"


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


def api_key_authenticate(raw_key: str) -> ChannelApiKey | None:
    """The active key (with its enabled channel) matching a presented key, or None.

    Compares hashes (a database lookup by hash is constant-time enough for a 256-bit secret)
    and records when the key was last used, at most once a minute.
    """
    if not raw_key.startswith(KEY_PREFIX):
        return None
    found = (
        ChannelApiKey.objects.select_related("channel")
        .filter(key_hash=_hash(raw_key), revoked_at__isnull=True, channel__is_active=True)
        .first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ChannelApiKey.objects.filter(pk=found.pk).update(last_used_at=now)
    return found
