"""Partner API keys for the supplier REST API: issued once in clear, stored hashed like channel keys.

A key is `fp_<prefix>_<secret>`; only its SHA-256 hash is stored (the channel keys' hashing,
`channels.services.keys`), so a database leak gives nobody a working key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from channels.services.keys import _hash as key_hash  # one hashing for every API key of the product
from core.errors import Conflict, ValidationFailed
from core.types import AnyUser
from partners.models import Partner, PartnerApiKey

KEY_PREFIX = "fp_"
#: A key's last use is written at most this often (seconds), not on every request.
LAST_USED_RESOLUTION = 60


@dataclass(frozen=True)
class IssuedPartnerKey:
    """A freshly issued key: `secret` is the only time the full key exists in clear."""

    api_key: PartnerApiKey
    secret: str


def partner_api_key_issue(*, partner: Partner, name: str, actor: AnyUser | None = None) -> IssuedPartnerKey:
    """Issue a new key for a partner. The returned secret is shown once and never stored."""
    if not name.strip():
        raise ValidationFailed("Give the key a name that says what uses it.", field="name")
    prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        api_key = PartnerApiKey.objects.create(
            partner=partner, name=name.strip()[:80], prefix=prefix, key_hash=key_hash(raw)
        )
    return IssuedPartnerKey(api_key=api_key, secret=raw)


def partner_api_key_revoke(*, api_key: PartnerApiKey) -> PartnerApiKey:
    """Revoke a key at once; a revoked key never authenticates again (409 if it already was)."""
    with transaction.atomic():
        locked = PartnerApiKey.objects.select_for_update().get(pk=api_key.pk)
        if locked.revoked_at is not None:
            raise Conflict("This key is already revoked.")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
    return locked


def partner_api_key_authenticate(raw_key: str) -> PartnerApiKey | None:
    """The live key (of an active partner) matching a presented key, with its partner; else None.

    Looks the key up by its hash and records when it was last used, at most once a minute.
    """
    if not raw_key.startswith(KEY_PREFIX):
        return None
    found = (
        PartnerApiKey.objects.select_related("partner")
        .filter(key_hash=key_hash(raw_key), revoked_at__isnull=True, partner__is_active=True)
        .first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > LAST_USED_RESOLUTION:
        PartnerApiKey.objects.filter(pk=found.pk).update(last_used_at=now)
    return found
