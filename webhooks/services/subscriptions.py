"""Endpoints: create, change, enable/disable, rotate the secret; and which event types anyone subscribes to.

The secret is generated here and returned once (`IssuedSecret`); the database keeps it encrypted
with `core.crypto` together with the previous one for `WEBHOOKS_SECRET_GRACE_HOURS` after a
rotation, when deliveries carry both signatures.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.crypto import credentials_decrypt, credentials_encrypt
from core.errors import ValidationFailed
from core.types import AnyUser, actor_id
from webhooks.conf import allow_local_http, secret_grace_hours
from webhooks.models import Delivery, DeliveryState, EventType, Subscription
from webhooks.signing import secret_generate

logger = logging.getLogger(__name__)

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
#: Which event types have an enabled endpoint: read on every change of an order, so it is cached.
SUBSCRIBED_TYPES_TTL = 300


@dataclass(frozen=True)
class IssuedSecret:
    """An endpoint and its new secret, which is shown this once and never again."""

    subscription: Subscription
    secret: str


def endpoint_url_check(url: str) -> str:
    """The URL as stored, or a 400 naming `url`: https only (http to localhost in development and tests)."""
    cleaned = (url or "").strip()
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError as exc:
        raise ValidationFailed(f"This is not a valid URL: {exc}.", field="url") from exc
    if not host:
        raise ValidationFailed("Enter the full address of the endpoint, starting with https://.", field="url")
    if parts.username or parts.password:
        raise ValidationFailed(
            "Leave credentials out of the URL: they would show in the delivery log. "
            "Your endpoint authenticates deliveries by their signature.",
            field="url",
        )
    if parts.fragment:
        raise ValidationFailed("An endpoint URL has no #fragment.", field="url")
    if parts.scheme == "https":
        return cleaned
    if parts.scheme == "http" and host in LOCAL_HOSTS and allow_local_http():
        return cleaned
    raise ValidationFailed(
        "The endpoint must use https:// so deliveries (customer names and addresses) are encrypted in transit.",
        field="url",
    )


def event_types_check(event_types: Sequence[str]) -> list[str]:
    """The chosen types in catalog order, or a 400 naming `event_types`."""
    chosen = set(event_types)
    unknown = sorted(chosen - set(EventType.values))
    if unknown:
        raise ValidationFailed(f"Unknown event type: {', '.join(unknown)}.", field="event_types")
    if not chosen:
        raise ValidationFailed("Choose at least one event type.", field="event_types")
    return [value for value in EventType.values if value in chosen]


def _name_check(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValidationFailed("Give the endpoint a name (e.g. ERP production).", field="name")
    return cleaned[:120]


def _secrets_token(current: str, *, previous: str = "", previous_until: datetime | None = None) -> str:
    values = {"current": current}
    if previous and previous_until:
        values |= {"previous": previous, "previous_until": previous_until.isoformat()}
    return credentials_encrypt(values)


def secrets_in_use(subscription: Subscription, *, now: datetime | None = None) -> list[str]:
    """The secrets deliveries are signed with: the current one, and the previous one during its grace period."""
    stored = credentials_decrypt(subscription.secret_encrypted)
    in_use = [stored["current"]]
    until = parse_datetime(stored.get("previous_until", ""))
    if stored.get("previous") and until and until > (now or timezone.now()):
        in_use.append(stored["previous"])
    return in_use


def subscription_create(*, name: str, url: str, event_types: Sequence[str], actor: AnyUser | None) -> IssuedSecret:
    """Add an endpoint, enabled, with a new secret (returned once)."""
    fields = {"name": _name_check(name), "url": endpoint_url_check(url), "event_types": event_types_check(event_types)}
    secret = secret_generate()
    with transaction.atomic():
        subscription = Subscription.objects.create(
            **fields,
            secret_encrypted=_secrets_token(secret),
            secret_hint=secret[-4:],
            created_by_id=actor_id(actor),
        )
        transaction.on_commit(subscribed_types_forget)
    return IssuedSecret(subscription, secret)


def subscription_update(
    *, subscription: Subscription, name: str, url: str, event_types: Sequence[str], is_active: bool, actor: AnyUser
) -> Subscription:
    """Change an endpoint. Enabling it again clears its failure count; its waiting deliveries then go out."""
    fields = {"name": _name_check(name), "url": endpoint_url_check(url), "event_types": event_types_check(event_types)}
    now = timezone.now()
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        for field, value in fields.items():
            setattr(locked, field, value)
        if is_active and not locked.is_active:
            # The deliveries that waited go out at the next sweep, oldest first (the sweep's order).
            Delivery.objects.filter(subscription=locked, state=DeliveryState.PENDING).update(
                next_attempt_at=now, queued_at=None
            )
            locked.consecutive_failures = 0
            locked.disabled_at = None
            locked.disabled_reason = ""
            locked.alert_sent_to = ""
            locked.alert_error = ""
        elif not is_active and locked.is_active:
            locked.disabled_at = now
            locked.disabled_reason = f"Disabled by {actor.get_username()}."
        locked.is_active = is_active
        locked.save()
        transaction.on_commit(subscribed_types_forget)
    return locked


def subscription_rotate_secret(*, subscription: Subscription, now: datetime | None = None) -> IssuedSecret:
    """A new secret (returned once); the old one keeps signing alongside for the grace period."""
    now = now or timezone.now()
    secret = secret_generate()
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        previous = credentials_decrypt(locked.secret_encrypted)["current"]
        locked.secret_encrypted = _secrets_token(
            secret, previous=previous, previous_until=now + timedelta(hours=secret_grace_hours())
        )
        locked.secret_hint = secret[-4:]
        locked.secret_rotated_at = now
        locked.save(update_fields=["secret_encrypted", "secret_hint", "secret_rotated_at", "updated_at"])
    return IssuedSecret(locked, secret)


# --- Which types are subscribed (read in the hot path of every order change) ---------------------------


def _types_key() -> str:
    # Per database: test runs and deployments that share a Redis never see each other's endpoints.
    return f"webhooks:subscribed-types:{connection.settings_dict.get('NAME')}"


# Read two or three times per order (the order, its routing, its stock): a copy in this process
# spares those Redis round trips. Another process's endpoint change is seen here within this long.
SUBSCRIBED_TYPES_LOCAL_TTL = 5.0
_local: dict[str, tuple[float, frozenset[str]]] = {}


def subscribed_types() -> frozenset[str]:
    """The event types at least one enabled endpoint receives (cached for five minutes, forgotten on any change).

    This process keeps its own copy for `SUBSCRIBED_TYPES_LOCAL_TTL` seconds; a change made here
    forgets it at once. With the cache down it asks the database every time: slower, never wrong.
    """
    key = _types_key()
    kept = _local.get(key)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    types = _subscribed_types_shared(key)
    _local[key] = (time.monotonic() + SUBSCRIBED_TYPES_LOCAL_TTL, types)
    return types


def _subscribed_types_shared(key: str) -> frozenset[str]:
    """The types from the shared cache, or from the database (then cached)."""
    try:
        cached = cache.get(key)
    except Exception:
        logger.warning("The cache is unavailable; reading the subscribed event types from the database.")
        cached = None
    if cached is not None:
        return frozenset(cached)
    types: set[str] = set()
    for chosen in Subscription.objects.filter(is_active=True).values_list("event_types", flat=True):
        types.update(chosen or [])
    try:
        cache.set(key, sorted(types), timeout=SUBSCRIBED_TYPES_TTL)
    except Exception:
        logger.warning("Could not cache the subscribed event types.")
    return frozenset(types)


def subscribed_types_forget() -> None:
    """Forget the cached types (after any change of an endpoint), so the next change reads them again."""
    _local.pop(_types_key(), None)
    try:
        cache.delete(_types_key())
    except Exception:
        logger.warning("Could not clear the cached subscribed event types; they expire within five minutes.")
