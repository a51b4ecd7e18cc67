"""The one-statement reservation: PostgreSQL's fast path for reserving one SKU at one location.

`stock_reserve` tries it first; when it returns None the general path (`apply_level_changes`)
runs and explains the refusal.
"""

from __future__ import annotations

import functools

from django.db import connection

from inventory.models import MovementKind, StockLevel, StockMovement
from inventory.services.feed import FEED_APPEND_CTE, feed_table, stock_changes_announce_on_commit
from inventory.services.levels import DocumentRef

_RESERVE_ONE_SQL = """
WITH level AS (
    UPDATE {levels}
       SET reserved = reserved + %(quantity)s, updated_at = now()
     WHERE location_id = %(location_id)s AND sku_id = %(sku_id)s
       AND on_hand - reserved - safety_stock >= %(quantity)s
 RETURNING location_id, sku_id, on_hand, reserved, in_transit, quarantined
)
INSERT INTO {movements} (
    location_id, sku_id, kind, on_hand_delta, reserved_delta, in_transit_delta,
    on_hand_after, reserved_after, in_transit_after, quarantined_delta, quarantined_after, reason_code, note,
    document_type, document_id, actor_id, created_at
)
SELECT location_id, sku_id, %(kind)s, 0, %(quantity)s, 0, on_hand, reserved, in_transit, 0, quarantined, '', %(note)s,
       %(document_type)s, %(document_id)s, %(actor_id)s, now()
  FROM level
RETURNING id, on_hand_after, reserved_after, in_transit_after, quarantined_after, created_at
"""

# The same statement also appends the change to the stock change feed (INSERT-only), so the feed
# row commits with the level and the ledger row.
_RESERVE_ONE_WITH_FEED_SQL = (
    _RESERVE_ONE_SQL.replace("\n)\nINSERT INTO {movements}", "\n), movement AS (\nINSERT INTO {movements}", 1)
    + "), "
    + FEED_APPEND_CTE
    + "\nSELECT movement.* FROM movement"
)


@functools.cache
def _reserve_one_sql() -> str:
    """The statement with its table names filled in, built once per process (it runs on every reservation)."""
    return _RESERVE_ONE_WITH_FEED_SQL.format(
        levels=connection.ops.quote_name(StockLevel._meta.db_table),
        movements=connection.ops.quote_name(StockMovement._meta.db_table),
        feed=feed_table(),
    )


def _reserve_one_in_one_statement(
    *, location_id: int, sku_id: int, quantity: int, actor_id: int | None, document: DocumentRef, note: str
) -> StockMovement | None:
    """PostgreSQL fast path for the commonest reservation: one SKU at one location.

    A conditional UPDATE (which takes the row lock and checks available-to-promise) and the
    ledger INSERT run as one statement, so they commit or fail together even outside a
    transaction, and the row is locked for one round trip only. Returns None when the
    level is missing or short; the caller then takes the general path, which explains why.
    """
    sql = _reserve_one_sql()
    params: dict[str, int | str | None] = {
        "quantity": quantity,
        "location_id": location_id,
        "sku_id": sku_id,
        "kind": MovementKind.RESERVE.value,
        "note": note[:255],
        "document_type": document.type,
        "document_id": str(document.id),
        "actor_id": actor_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    movement_id, on_hand_after, reserved_after, in_transit_after, quarantined_after, created_at = row
    stock_changes_announce_on_commit([(location_id, sku_id)])
    return StockMovement(
        id=movement_id,
        location_id=location_id,
        sku_id=sku_id,
        kind=MovementKind.RESERVE,
        reserved_delta=quantity,
        on_hand_after=on_hand_after,
        reserved_after=reserved_after,
        in_transit_after=in_transit_after,
        quarantined_after=quarantined_after,
        note=note[:255],
        document_type=document.type,
        document_id=str(document.id),
        actor_id=actor_id,
        created_at=created_at,
    )
