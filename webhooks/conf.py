"""The webhooks settings, each with its default (set them in settings or the environment, see config/settings)."""

from __future__ import annotations

from django.conf import settings

#: The payload version every body carries (`api_version`). A change that breaks consumers gets a new date.
API_VERSION = "2026-12-01"

#: Seconds after a failed attempt before the next one: 1 min, 5 min, 30 min, 2 h, 6 h, 24 h, then it fails for good.
DEFAULT_RETRY_SCHEDULE: tuple[int, ...] = (60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600, 24 * 3600)


def timeout_seconds() -> float:
    """How long one POST may take (connect, send and read) before it counts as failed."""
    return float(getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", 10.0))


def retry_schedule() -> tuple[int, ...]:
    """The waits between attempts; a delivery has len(schedule) + 1 attempts in all."""
    return tuple(int(seconds) for seconds in getattr(settings, "WEBHOOKS_RETRY_SCHEDULE", DEFAULT_RETRY_SCHEDULE))


def disable_after_failures() -> int:
    """Consecutive failed attempts (any event) after which an endpoint is disabled."""
    return int(getattr(settings, "WEBHOOKS_DISABLE_AFTER_FAILURES", 20))


def claim_lease_seconds() -> float:
    """A delivery claimed longer ago than this belongs to a worker that died: another may send it again.

    Longer than the POST timeout, so a live sender is never overtaken.
    """
    return float(getattr(settings, "WEBHOOKS_CLAIM_LEASE_SECONDS", 60.0))


def allow_local_http() -> bool:
    """Whether http://localhost and http://127.0.0.1 endpoints are accepted (development and tests only)."""
    return bool(getattr(settings, "WEBHOOKS_ALLOW_LOCAL_HTTP", settings.DEBUG))


def secret_grace_hours() -> float:
    """After a secret is rotated, deliveries are signed with the old one too for this long."""
    return float(getattr(settings, "WEBHOOKS_SECRET_GRACE_HOURS", 24.0))


def stock_coalesce_seconds() -> float:
    """Stock changes of one (location, SKU) within this window make one `stock.changed` event."""
    return float(getattr(settings, "WEBHOOKS_STOCK_COALESCE_SECONDS", 5.0))


#: Consumers should refuse a delivery whose timestamp is further than this from their clock (replays).
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60
#: How much of a request or response body the delivery log keeps.
LOG_BODY_BYTES = 2048
