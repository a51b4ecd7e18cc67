"""The flash sale's ledger watcher, in a process of its own so it does not compete with the product
for the interpreter lock (`bench/sync_flash.py` spawns it)."""

from __future__ import annotations

import time
from typing import Any


def ledger_watcher(channel_ids: list[int], sku_ids: list[int], crossings: Any, done: Any) -> None:
    """In a process of its own, every 50 ms: each channel's available-to-sell by our ledger (the four
    in the statements of one); sends (channel, SKU, when) the first time one reaches 0."""
    import django

    django.setup()
    from marketplaces.availability import channels_available
    from marketplaces.models import ChannelSync

    asks = [(sync, sku_ids) for sync in ChannelSync.objects.filter(channel_id__in=channel_ids)]
    seen: set[tuple[int, int]] = set()
    while not done.is_set():
        now = time.time()
        for channel_id, available in channels_available(asks, held={}).items():
            for sku_id, units in available.items():
                if units == 0 and (channel_id, sku_id) not in seen:
                    seen.add((channel_id, sku_id))
                    crossings.put((channel_id, sku_id, now))
        time.sleep(0.05)
