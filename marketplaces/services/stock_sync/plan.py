"""How much to push and when: the settings a channel's pushes follow, the report of a run, the
backoff after a failure, and `flush_plan`, the pure rule that gathers changes into full batches."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field

from django.conf import settings

from marketplaces.models import (
    ChannelSync,
)

logger = logging.getLogger(__name__)


def claim_lease_seconds() -> float:
    """An in-flight row older than this belongs to a worker that died (settings.CHANNELS_CLAIM_LEASE_SECONDS)."""
    return float(getattr(settings, "CHANNELS_CLAIM_LEASE_SECONDS", 120))


def push_max_wait(sync: ChannelSync) -> float:
    """Seconds a pending change may wait to be gathered into a fuller batch (the channel's, else settings)."""
    if sync.push_max_wait is not None:
        return float(sync.push_max_wait)
    return float(getattr(settings, "CHANNELS_PUSH_MAX_WAIT_SECONDS", 4.4))


def amazon_feed_threshold() -> int:
    """More pending SKUs than this on an Amazon channel go by JSON_LISTINGS_FEED (when its plans allow)."""
    return int(getattr(settings, "CHANNELS_AMAZON_FEED_THRESHOLD", 50))


MAX_BACKOFF_SECONDS = 300
CLAIM_BATCHES = 4  # rows claimed per round: this many full batches


@dataclass
class PushReport:
    channel_id: int
    pushed: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    calls: int = 0
    throttled: int = 0
    feeds: int = 0
    held: int = 0  # due SKUs left to gather into a fuller batch
    capped: int = 0  # last-unit raises held until the channel's orders are imported (`caps`)
    next_check: float | None = None  # seconds until this channel should be looked at again
    stopped: str = ""
    errors: list[str] = field(default_factory=list)


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: 2, 4, 8 … seconds, at most five minutes."""
    return min(MAX_BACKOFF_SECONDS, 2 ** max(attempts, 1)) * (0.8 + 0.4 * random.random())


def push_fill_skus() -> int:
    """Whole batches go before the max wait only when they carry at least this many SKUs in all."""
    return int(getattr(settings, "CHANNELS_PUSH_FILL_SKUS", 250))


def flush_plan(
    *, due: int, oldest_age: float, batch_size: int, max_wait: float, fill: int = 0
) -> tuple[int | None, float | None]:
    """How many due SKUs to send now (None: all of them) and when to look again (None: nothing left).

    Pure: everything once the oldest change has waited `max_wait`; before that, only whole
    batches, and only when they carry at least `fill` SKUs (a small batch API such as eBay's 25
    would otherwise re-send its bestsellers in batch after batch); else nothing until the
    oldest change is `max_wait` old.
    """
    if due <= 0:
        return 0, None
    if oldest_age >= max_wait:
        return None, None
    whole = (due // batch_size) * batch_size
    return (whole if whole >= fill else 0), max(0.05, max_wait - oldest_age)


SHORT_THROTTLE_SECONDS = 30.0
