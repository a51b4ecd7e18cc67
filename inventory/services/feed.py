"""The stock change feed: every change of on hand or reserved, appended where it is made.

Apps above inventory need to know when a (location, SKU) changed (the marketplace sync engine
pushes new available-to-sell quantities). Inventory does not know them: it appends one
`StockChange` row per changed pair inside the transaction that changes the level, and sends
`stock_levels_changed` after that transaction commits. A reader that misses the signal (a
crash, a broker outage) still finds the rows: the feed, not the signal, is the record.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

from django.db import connection, transaction

from inventory.models import StockChange, StockLevel
from inventory.signals import stock_levels_changed

logger = logging.getLogger(__name__)

#: Chained into a statement whose `level` CTE returns the changed (location_id, sku_id) rows, so the
#: feed row is appended by the very statement that changes the level (see the reservation fast path).
FEED_APPEND_CTE = (
    "feed AS (INSERT INTO {feed} (location_id, sku_id, created_at) SELECT location_id, sku_id, now() FROM level)"
)


def feed_table() -> str:
    """The feed's table name, quoted for raw SQL."""
    return connection.ops.quote_name(StockChange._meta.db_table)


def stock_changes_record(pairs: Iterable[tuple[int, int]]) -> None:
    """Append one feed row per changed (location_id, sku_id) and announce them after commit.

    Precondition: called inside the transaction that changes the levels (so both commit or
    neither). Appends only: takes no lock another transaction could wait for.
    """
    changed = sorted(set(pairs))
    if not changed:
        return
    StockChange.objects.bulk_create([StockChange(location_id=loc, sku_id=sku) for loc, sku in changed])
    stock_changes_announce_on_commit(changed)


def stock_changes_record_location(*, location_id: int) -> None:
    """Append a feed row for every SKU stocked at a location: what it may sell elsewhere changed.

    Called when a location starts or stops feeding sales (`is_active`, `ships_orders`), inside
    the transaction that saves it.
    """
    sku_ids = StockLevel.objects.filter(location_id=location_id).values_list("sku_id", flat=True)
    stock_changes_record((location_id, sku_id) for sku_id in sku_ids)


def stock_changes_announce_on_commit(changed: list[tuple[int, int]]) -> None:
    """Send `stock_levels_changed` once the current transaction commits (never if it rolls back)."""
    transaction.on_commit(functools.partial(_announce, tuple(changed)))


def _announce(changes: tuple[tuple[int, int], ...]) -> None:
    # A failing receiver must not turn a committed stock change into an error for the caller:
    # the feed rows are committed, so whoever listens catches up from them.
    for receiver, result in stock_levels_changed.send_robust(sender=StockChange, changes=changes):
        if isinstance(result, Exception):
            logger.error("stock_levels_changed receiver %r failed: %s", receiver, result, exc_info=result)
