"""One pusher per channel at a time: a lease in the cache, held by this thread while it pushes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from marketplaces.leases import lease_acquire, lease_refresh, lease_release, lease_token
from marketplaces.services.stock_sync.plan import claim_lease_seconds

_held_lease = threading.local()


def _lease_seconds() -> int:
    return max(1, int(claim_lease_seconds()))


@contextmanager
def pusher_lease(channel_id: int) -> Iterator[bool]:
    """Hold the channel's pusher lease for the block; yields False (and holds nothing) if another has it.

    Pushes to one channel never overtake each other. The lease expires by itself if this
    worker dies; `keep_lease` extends it while a long run goes on.
    """
    key = f"channels:pusher:{channel_id}"
    token = lease_token()
    if not lease_acquire(key, token, seconds=_lease_seconds()):
        yield False
        return
    _held_lease.key, _held_lease.token = key, token
    try:
        yield True
    finally:
        _held_lease.key = None
        lease_release(key, token)  # compare-and-delete: never a successor's lease


def keep_lease() -> None:
    """Extend this thread's pusher lease (before each round and each batch), if it still holds it."""
    key = getattr(_held_lease, "key", None)
    if key:
        lease_refresh(key, _held_lease.token, seconds=_lease_seconds())
