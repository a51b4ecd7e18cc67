"""Work owed to 3PLs, kept in the database and claimed with leases: nothing lost, nothing doubled.

Fulfillment orders: a shipment routed to a 3PL location whose partner has a connector gets a
`FulfillmentOrderOutbox` row in the routing transaction (`fulfillment_order_queue`); if the
process dies before the send is queued, the beat sweep sends it (the row is committed), and a
shipment that somehow has no row gets one from the sweep (`fulfillment_orders_queue_missing`).

Claims (`claim_due`): one short transaction takes due rows with `SELECT ... FOR UPDATE SKIP
LOCKED` (pending rows whose `next_attempt_at` has passed, and rows claimed by a worker whose
lease ran out: it died mid-send), writes a fresh `claimed_by` token and `claimed_until`, and
commits; the 3PL is called with no lock held. A mark after the call (`owned`) locks the row
and counts only while the token is still the row's, so a worker that was taken over changes
nothing. What makes a repeated send harmless is the 3PL's unique reference: a second send of
one order answers "duplicate" and the order is looked up and adopted (see `sending`).

Why not `marketplaces.services.stock_sync`'s claims: partners sit below marketplaces in the
layers (it cannot be imported here), and that outbox is built for one row per (channel, SKU)
whose value changes (generations, coalescing, a per-channel cache lease); a fulfillment order is
one document sent once. The lease here is on the row itself, so it needs no cache either.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.queueing import queue_on_commit_or_leave_to_beat
from core.rows import insert_rows, mark_saved, rows_json
from fulfillment.models import Shipment, ShipmentStatus
from inventory.models import Location, LocationKind
from orders.models import DeliveryMethod
from partners.models import FulfillmentOrderOutbox, FulfillmentOrderStatus, Partner, PartnerKind
from partners.models.threepl import LeasedWork
from partners.sql import runs_location_sql

logger = logging.getLogger(__name__)

PENDING = "pending"
CLAIMED = "claimed"
#: The Celery task that sends a partner's due fulfillment orders (named: the tasks import this module).
SEND_TASK = "partners.tasks_3pl.fulfillment_orders_send_task"
BACKOFF_CAP_SECONDS = 60 * 60

RowT = TypeVar("RowT", bound=LeasedWork)


def lease_seconds() -> float:
    """How long a claim holds before another worker may take the row over (settings.THREEPL_CLAIM_LEASE_SECONDS)."""
    return float(getattr(settings, "THREEPL_CLAIM_LEASE_SECONDS", 120))


def backoff_seconds(attempts: int) -> float:
    """30 s, 1 min, 2 min, ... up to an hour: the 3PL is retried for as long as it takes."""
    return float(min(BACKOFF_CAP_SECONDS, 30 * 2 ** max(0, attempts - 1)))


def claim_due(model: type[RowT], *, limit: int, now: datetime | None = None, **filters: object) -> list[RowT]:
    """Claim up to `limit` due rows of `model` for this worker (see the module's docstring)."""
    now = now or timezone.now()
    due = Q(status=PENDING, next_attempt_at__lte=now) | Q(status=CLAIMED, claimed_until__lt=now)
    token = secrets.token_hex(8)
    with transaction.atomic():
        ids = list(
            model.objects.select_for_update(skip_locked=True)  # type: ignore[attr-defined]
            .filter(due, **filters)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        model.objects.filter(pk__in=ids).update(  # type: ignore[attr-defined]
            status=CLAIMED,
            claimed_by=token,
            claimed_until=now + timedelta(seconds=lease_seconds()),
            attempts=F("attempts") + 1,
        )
    rows: list[RowT] = list(model.objects.filter(pk__in=ids, claimed_by=token).order_by("pk"))  # type: ignore[attr-defined]
    return rows


def owned(row: RowT) -> RowT | None:
    """The row under its lock if this claim still holds it, else None. Precondition: in a transaction."""
    found: RowT | None = (
        type(row)
        .objects.select_for_update()  # type: ignore[attr-defined]
        .filter(pk=row.pk, status=CLAIMED, claimed_by=row.claimed_by)
        .first()
    )
    return found


def retry_later(row: LeasedWork, *, error: str, delay: float | None = None, now: datetime | None = None) -> bool:
    """Pending again after `delay` seconds (else the backoff of its attempts); False if no longer ours."""
    now = now or timezone.now()
    wait = delay if delay is not None else backoff_seconds(row.attempts)
    updated: int = (
        type(row)
        .objects.filter(pk=row.pk, status=CLAIMED, claimed_by=row.claimed_by)  # type: ignore[attr-defined]
        .update(
            status=PENDING,
            next_attempt_at=now + timedelta(seconds=wait),
            claimed_by="",
            claimed_until=None,
            last_error=error[:500],
        )
    )
    return updated == 1


# --- Fulfillment orders ------------------------------------------------------------------------


def connected_partner(location: Location) -> Partner | None:
    """The active 3PL partner with a connector behind this location, if any."""
    if location.kind != LocationKind.THIRD_PARTY:
        return None
    partner: Partner | None = (
        Partner.objects.filter(locations=location, kind=PartnerKind.THIRD_PARTY, is_active=True)
        .exclude(connector="")
        .order_by("name", "pk")
        .first()
    )
    return partner


def send_soon(partner_id: int) -> None:
    """After commit, queue the partner's sender (a broker that is down leaves it to the beat sweep)."""
    queue_on_commit_or_leave_to_beat(current_app.signature(SEND_TASK), partner_id)


def fulfillment_order_queue(*, shipment: Shipment) -> FulfillmentOrderOutbox | None:
    """Owe the 3PL this shipment as one of its orders, in the caller's transaction.

    Only a requested ship shipment at a 3PL location whose partner has a connector is queued;
    queuing it twice changes nothing (the row returned then carries the stored row's id, the
    stored row keeps its state). The send is queued after commit.
    """
    if shipment.status != ShipmentStatus.REQUESTED:
        return None
    if shipment.order.delivery_method == DeliveryMethod.PICKUP:
        return None
    if shipment.location.kind != LocationKind.THIRD_PARTY:
        return None
    row = FulfillmentOrderOutbox(shipment=shipment, reference=shipment.number, next_attempt_at=timezone.now())
    if connection.vendor == "postgresql":
        partner_id = _owe_to_connected_partner(row, shipment.location_id)
    else:
        partner = connected_partner(shipment.location)
        if partner is None:
            return None
        row.partner, partner_id = partner, partner.pk
        FulfillmentOrderOutbox.objects.bulk_create(
            [row], update_conflicts=True, unique_fields=["shipment"], update_fields=["shipment"]
        )
    if partner_id is None:
        return None
    send_soon(partner_id)  # a nudge: the sender only sends what is due, so one too many is harmless
    return row


# The row for the first connected 3PL partner behind the location, if any: a row already owed for
# the shipment conflicts and is kept as it was (the "update" writes its own shipment back). As a
# partner read, a savepoint, a read of the row and an insert this was four round trips, and the
# ORM's compiling of the partner read cost more CPU than PostgreSQL spent on all of them.
_OWE_SQL = """
INSERT INTO {outbox} ({columns})
SELECT {values}
  FROM {rows} AS o,
       (SELECT p.id FROM {partners} p
         WHERE p.kind = %s AND p.is_active AND p.connector <> ''
           AND {runs_location}
         ORDER BY p.name, p.id LIMIT 1) AS p
ON CONFLICT ({shipment}) DO UPDATE SET {shipment} = EXCLUDED.{shipment}
RETURNING id, {partner}
"""


@functools.cache
def _owe_sql() -> str:
    quote = connection.ops.quote_name
    rows = insert_rows(FulfillmentOrderOutbox)
    partner = quote(FulfillmentOrderOutbox._meta.get_field("partner").column)
    return _OWE_SQL.format(
        outbox=quote(FulfillmentOrderOutbox._meta.db_table),
        columns=rows.columns,
        values=", ".join("p.id" if name == partner else f"o.{name}" for name in rows.names),
        rows=rows.source,
        partners=quote(Partner._meta.db_table),
        runs_location=runs_location_sql("p"),
        shipment=quote(FulfillmentOrderOutbox._meta.get_field("shipment").column),
        partner=partner,
    )


def _owe_to_connected_partner(row: FulfillmentOrderOutbox, location_id: int) -> int | None:
    """Insert `row` (or find the shipment's stored row) for the location's connected 3PL partner in
    one statement; the partner's id, `row` carrying the stored row's id; None when no partner is connected."""
    with connection.cursor() as cursor:
        cursor.execute(
            _owe_sql(), [rows_json([row], insert_rows(FulfillmentOrderOutbox)), PartnerKind.THIRD_PARTY, location_id]
        )
        found = cursor.fetchone()
    if found is None:
        return None
    row_id, partner_id = found
    row.partner_id = partner_id
    mark_saved(row, row_id)
    return int(partner_id)


def shipments_without_order(*, limit: int, shipment_ids: Sequence[int] | None = None) -> list[Shipment]:
    """Requested ship shipments at connected 3PL locations that have no outbox row yet."""
    qs = Shipment.objects.filter(
        status=ShipmentStatus.REQUESTED,
        location__kind=LocationKind.THIRD_PARTY,
        location__partners__is_active=True,
        location__partners__kind=PartnerKind.THIRD_PARTY,
        location__partners__connector__gt="",
        threepl_order__isnull=True,
    )
    qs = qs.exclude(order__delivery_method=DeliveryMethod.PICKUP)
    if shipment_ids is not None:
        qs = qs.filter(pk__in=shipment_ids)
    return list(qs.select_related("order", "location").distinct().order_by("pk")[:limit])


def fulfillment_orders_queue_missing(*, limit: int = 500, shipment_ids: Sequence[int] | None = None) -> int:
    """Queue the shipments routed to connected 3PLs that have no outbox row; returns how many."""
    queued = 0
    for shipment in shipments_without_order(limit=limit, shipment_ids=shipment_ids):
        with transaction.atomic():
            if fulfillment_order_queue(shipment=shipment) is not None:
                queued += 1
    return queued


def fulfillment_orders_claim(
    *, partner: Partner | None = None, limit: int = 50, now: datetime | None = None
) -> list[FulfillmentOrderOutbox]:
    """Claim due fulfillment orders (of one partner, or any) for this worker."""
    filters = {"partner": partner} if partner is not None else {}
    return claim_due(FulfillmentOrderOutbox, limit=limit, now=now, **filters)


def due_partner_ids(*, now: datetime | None = None) -> list[int]:
    """Partners with fulfillment orders to send now (pending and due, or orphaned by a dead worker)."""
    now = now or timezone.now()
    due = Q(status=FulfillmentOrderStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=FulfillmentOrderStatus.CLAIMED, claimed_until__lt=now
    )
    return sorted(set(FulfillmentOrderOutbox.objects.filter(due).values_list("partner_id", flat=True)))
