"""The reads and writes of a dropship PO opened in routing's transaction, two statements on PostgreSQL.

Opening a PO for a shipment routed to a supplier needs the partner behind the location, whether
the shipment has its PO already and our cost of each SKU; then it writes the PO, its lines and
the order's timeline entry naming the PO. As ORM calls that was six round trips on every dropship
order. Here the reads are one written-out statement (`core.rows`), which also takes the new PO's
id from its sequence so the timeline entry can name it, and the writes are one statement of
data-modifying CTEs. The objects become the saved rows and their `pre_save` and `post_save`
signals are sent as `save()` sends them, so what listens to a new PO (its `purchase_order.created`
webhook) or a new timeline entry still hears of it in the same transaction. Other databases
(SQLite: the embedded demo) use the ORM.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.db import connection

from core.rows import (
    Columns,
    insert_rows,
    integer_array,
    mark_saved,
    model_columns,
    rows_json,
    signal_before_insert,
    signal_inserted,
)
from orders.models import OrderEvent
from partners.models import Partner, PartnerKind, PartnerSkuCost, PurchaseOrder, PurchaseOrderLine
from partners.sql import runs_location_sql


@dataclass(frozen=True)
class SupplierCost:
    unit_cost: Decimal
    supplier_sku: str


@dataclass(frozen=True)
class DropshipSupplier:
    """What opening a shipment's PO reads: the partner, the PO the shipment has already (if any),
    our cost of each SKU asked that has one and, on PostgreSQL, the id the new PO takes."""

    partner: Partner
    existing: PurchaseOrder | None = None
    costs: dict[int, SupplierCost] = field(default_factory=dict)
    new_id: int | None = None


_READ_SQL = """
SELECT q.*, CASE WHEN q.existing IS NULL THEN nextval(pg_get_serial_sequence(%s, %s)) END
  FROM (SELECT {partner_columns},
               (SELECT po.id FROM {orders} po WHERE po.shipment_id = %s ORDER BY po.id LIMIT 1) AS existing,
               (SELECT json_agg(json_build_array(c.sku_id, c.unit_cost::text, c.supplier_sku))
                  FROM {costs} c WHERE c.partner_id = p.id AND c.sku_id = ANY(%s::bigint[])) AS costs
          FROM {partners} p
         WHERE p.kind = %s AND p.is_active
           AND {runs_location}
         ORDER BY p.name, p.id
         LIMIT 1) AS q
"""


@functools.cache
def _read_sql() -> tuple[str, Columns]:
    quote = connection.ops.quote_name
    partner_columns, partner_sql = model_columns(Partner, "p")
    sql = _READ_SQL.format(
        partner_columns=", ".join(partner_sql),
        orders=quote(PurchaseOrder._meta.db_table),
        costs=quote(PartnerSkuCost._meta.db_table),
        partners=quote(Partner._meta.db_table),
        runs_location=runs_location_sql("p"),
    )
    return sql, partner_columns


def dropship_supplier_read(*, location_id: int, shipment_id: int, sku_ids: Sequence[int]) -> DropshipSupplier | None:
    """The active dropship partner behind `location_id`, with the shipment's PO if it has one and the
    partner's costs of `sku_ids`; None when no partner owns it. When several run it, the first by name
    (then id): the one whose terms routing priced (`partners.receivers_terms`).
    One statement on PostgreSQL, which takes the new PO's id with `nextval`: the database role needs
    USAGE on the table's sequence (the role that ran the migrations owns it)."""
    if connection.vendor != "postgresql":
        return _read_with_orm(location_id=location_id, shipment_id=shipment_id, sku_ids=sku_ids)
    sql, partner_columns = _read_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                PurchaseOrder._meta.db_table,
                PurchaseOrder._meta.pk.column,
                shipment_id,
                integer_array(sku_ids),
                PartnerKind.DROPSHIP,
                location_id,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    count = len(partner_columns.names)
    existing_id, costs, new_id = row[count:]
    partner = cast(Partner, partner_columns.instance(row[:count]))
    if existing_id is not None:
        return DropshipSupplier(partner, existing=PurchaseOrder.objects.get(pk=existing_id))
    return DropshipSupplier(
        partner,
        costs={
            sku_id: SupplierCost(Decimal(unit_cost), supplier_sku) for sku_id, unit_cost, supplier_sku in costs or ()
        },
        new_id=new_id,
    )


def _read_with_orm(*, location_id: int, shipment_id: int, sku_ids: Sequence[int]) -> DropshipSupplier | None:
    partner = (
        Partner.objects.filter(locations=location_id, kind=PartnerKind.DROPSHIP, is_active=True)
        .order_by("name", "pk")
        .first()
    )
    if partner is None:
        return None
    existing = PurchaseOrder.objects.filter(shipment=shipment_id).order_by("pk").first()
    if existing is not None:
        return DropshipSupplier(partner, existing=existing)
    costs = PartnerSkuCost.objects.filter(partner=partner, sku__in=sku_ids)
    return DropshipSupplier(partner, costs={c.sku_id: SupplierCost(c.unit_cost, c.supplier_sku) for c in costs})


_WRITE_SQL = """
WITH opened AS (
    INSERT INTO {orders} ({order_columns}) SELECT {order_values} FROM {order_rows} AS o
), added AS (
    INSERT INTO {lines} ({line_columns})
    SELECT {line_values} FROM {line_rows} WITH ORDINALITY AS u ORDER BY u.ordinality
    RETURNING id
), noted AS (
    INSERT INTO {events} ({event_columns}) SELECT {event_values} FROM {event_rows} AS e
    RETURNING id
)
SELECT ARRAY(SELECT id FROM added ORDER BY id), (SELECT id FROM noted)
"""


@functools.cache
def _write_sql() -> str:
    quote = connection.ops.quote_name
    orders = insert_rows(PurchaseOrder, with_pk=True)
    lines, events = insert_rows(PurchaseOrderLine), insert_rows(OrderEvent)
    return _WRITE_SQL.format(
        orders=quote(PurchaseOrder._meta.db_table),
        order_columns=orders.columns,
        order_values=orders.values("o"),
        order_rows=orders.source,
        lines=quote(PurchaseOrderLine._meta.db_table),
        line_columns=lines.columns,
        line_values=lines.values("u"),
        line_rows=lines.source,
        events=quote(OrderEvent._meta.db_table),
        event_columns=events.columns,
        event_values=events.values("e"),
        event_rows=events.source,
    )


def po_rows_write(
    po: PurchaseOrder, lines: list[PurchaseOrderLine], entry_for: Callable[[PurchaseOrder], OrderEvent]
) -> None:
    """Insert a new dropship `po`, its `lines` (in line order) and the order's timeline entry
    `entry_for(po)` (made once the PO has its id), as `save()` and `bulk_create` would: one
    statement on PostgreSQL, where the id was taken by `dropship_supplier_read`. The objects become
    the saved rows."""
    if connection.vendor != "postgresql" or po.pk is None:
        po.save(force_insert=True)
        for line in lines:
            line.purchase_order = po
        PurchaseOrderLine.objects.bulk_create(lines)
        entry_for(po).save(force_insert=True)
        return
    entry = entry_for(po)
    for line in lines:
        line.purchase_order = po
    signal_before_insert(po)
    signal_before_insert(entry)
    params = [
        rows_json([po], insert_rows(PurchaseOrder, with_pk=True)),
        rows_json(lines, insert_rows(PurchaseOrderLine)),
        rows_json([entry], insert_rows(OrderEvent)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_write_sql(), params)
        line_ids, entry_id = cursor.fetchone()
    mark_saved(po, po.pk)
    for line, pk in zip(lines, line_ids, strict=True):
        mark_saved(line, pk)
    mark_saved(entry, entry_id)
    signal_inserted(po)
    signal_inserted(entry)
