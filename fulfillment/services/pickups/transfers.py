"""Transfer to store: units a pickup's store lacks come from a warehouse, then the pickup is picked.

`pickup_transfer_to_store` creates the transfer; once it is received at the store
`pickups_after_transfer_received` reserves the units and moves the pickup to picking, and
`pickups_transfers_sweep` (run by the expiry beat task) catches up on a lost on-commit handler.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict
from core.sweeps import sweep_each
from core.types import AnyUser
from fulfillment.models import Pickup, PickupStatus
from fulfillment.selectors.stores import atp_at, transfer_eta, transfer_sources
from fulfillment.services.pickups._shared import EXPIRY_BATCH, locked_pickup, timeline_add, waiting_units
from fulfillment.services.pickups.lifecycle import pickup_start
from inventory.models import Location, Transfer, TransferStatus
from inventory.services import StockLine, transfer_create
from inventory.services.transfers import RECEIVABLE
from orders.models import OrderLine, OrderStatus

logger = logging.getLogger(__name__)


def pickup_transfer_to_store(
    *, pickup: Pickup, actor: AnyUser | None, source: Location | None = None, actor_label: str = ""
) -> Transfer:
    """Staff choose "transfer to store": the units the store lacks come from a warehouse.

    Creates a transfer (reserving at the source) for every unit of the pickup still waiting.
    Without `source`, the warehouse with all of them that reaches the store first is chosen.
    When the transfer is received, the units are reserved for this pickup and it moves to
    "picking": the associate scans them and marks it ready.
    """
    with transaction.atomic():
        locked = locked_pickup(pickup)
        if locked.status not in (PickupStatus.NEW, PickupStatus.PICKING):
            raise Conflict(f"Pickup {locked.order.number} is {locked.get_status_display().lower()}.")
        if (
            locked.transfer_id
            and locked.transfer
            and locked.transfer.status
            in (
                TransferStatus.REQUESTED,
                *RECEIVABLE,  # shipped, or received in part: the rest is still coming
            )
        ):
            raise Conflict(f"{locked.transfer.number} is already bringing the units for {locked.order.number}.")
        waiting: dict[int, int] = {}
        for line in OrderLine.objects.filter(order=locked.order):
            if line.quantity_backordered > 0:
                waiting[line.sku_id] = waiting.get(line.sku_id, 0) + line.quantity_backordered
        if not waiting:
            raise Conflict(f"Every unit of {locked.order.number} is already in the store.")
        candidates = [source] if source is not None else transfer_sources()
        stock = atp_at([c.pk for c in candidates], list(waiting))
        able = [c for c in candidates if all(stock[c.pk].get(sku, 0) >= qty for sku, qty in waiting.items())]
        if not able:
            where = source.code if source is not None else "any warehouse"
            raise Conflict(f"{where} does not have every missing unit of {locked.order.number}.", field="source")
        now = timezone.now()
        chosen = min(able, key=lambda c: (transfer_eta(c, locked.location, now=now), c.priority, c.code))
        transfer = transfer_create(
            source=chosen,
            destination=locked.location,
            lines=[StockLine(sku, qty) for sku, qty in waiting.items()],
            actor=actor,
            note=f"For pickup {locked.order.number} ({locked.order.customer_name})",
        )
        arrives = transfer_eta(chosen, locked.location, now=now)
        locked.transfer = transfer
        locked.save(update_fields=["transfer", "updated_at"])
        timeline_add(
            locked,
            f"Transfer to store: {transfer.number} from {chosen.code} brings {sum(waiting.values())} unit(s); "
            f"expected {arrives:%a %d %b}. The store picks the pickup when it is received.",
            actor=actor,
            actor_label=actor_label,
            transfer=transfer.pk,
        )
    return transfer


def pickups_after_transfer_received(*, location_id: int | None = None) -> list[int]:
    """Reserve received transfer units for the new pickups that asked for them; those pickups move to picking.

    Called after a receipt at a store commits (`location_id`), and for every store by
    `pickups_transfers_sweep` in case that on-commit handler was lost. Each pickup in its own
    transaction (order row first, as `order_route` locks it). Running it twice does nothing
    more: routing only takes waiting units, and a picking pickup is not new any more. The
    pickup is not marked ready here: the associate still scans every unit and marks it ready
    (the customer is emailed then). An order on hold is left for later (routing skips it).
    Returns the ids of the pickups that moved to picking.
    """
    due = Pickup.objects.filter(status=PickupStatus.NEW, transfer__status=TransferStatus.RECEIVED)
    if location_id is not None:
        due = due.filter(location_id=location_id)
    started = sweep_each(
        list(due.select_related("order").order_by("pk")[:EXPIRY_BATCH]),
        _start_with_transferred_units,
        failure="Could not finish pickup %s after its transfer arrived.",
    )
    return [pickup.pk for pickup in started]


def _start_with_transferred_units(pickup: Pickup) -> bool:
    """Route the order's waiting units to the store's new stock; start the pickup once all are there."""
    from fulfillment.services.routing import order_route  # noqa: PLC0415 (routing opens pickups: a cycle)

    with transaction.atomic():
        order_route(order=pickup.order, actor=None, actor_label="transfer received", trigger="transfer to store")
        locked = locked_pickup(pickup)
        if locked.status != PickupStatus.NEW or locked.order.status == OrderStatus.ON_HOLD:
            return False
        if waiting_units(locked.order) != 0:
            return False
        pickup_start(pickup=locked, actor=None, actor_label="transfer received")
        timeline_add(
            locked,
            f"{locked.transfer.number if locked.transfer else 'The transfer'} received at "
            f"{locked.location.code}: units reserved; scan them and mark the pickup ready.",
            actor=None,
            actor_label="transfer received",
        )
        return True


def pickups_transfers_sweep() -> list[int]:
    """Beat-safe catch-up: pickups still new although their transfer was received (a lost on-commit
    handler, a worker restart) get their units reserved and move to picking. Idempotent."""
    return pickups_after_transfer_received(location_id=None)
