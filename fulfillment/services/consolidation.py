"""Consolidation at a node: inbound legs arrive (or fail), then the held parcel packs as one box.

Routing reserves a consolidated plan (`fulfillment.services.routing.consolidated`): the node's
shipment with what the node holds, a transfer per leg, and a `ConsolidationHold` that keeps the
shipment out of the work queue. Then:

- a leg's transfer is received at the node: its units are reserved there for the order and
  become lines of the shipment (`consolidation_transfer_settle`, run after the receipt commits,
  before backorders waiting for the same SKUs are retried); units the node cannot reserve (the
  receipt came short, quality control kept some back) fail like a lost leg;
- a leg fails (its transfer cancelled, staff mark it lost: `consolidation_leg_fail`, or short):
  its units are taken off the order's allocation and routed again; the node ships what is there,
  or, when nothing is there nor on its way yet, the whole parcel is called off and re-routed;
- once no leg is on its way, the hold is released: the shipment enters the work queue.
- the shipment is cancelled or re-routed while it waits (order cancelled, staff re-route): the
  legs are called off in the same transaction (`_call_off`, a `post_save` receiver), transfers
  not yet shipped are cancelled and units already on their way become the node's stock.

Every step writes the order's timeline. `consolidation_sweep` catches up on receipts whose
on-commit handler was lost. Locking: the order row, then the hold, then its legs, then
whatever the inventory services lock (transfers, stock rows).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.db.models.signals import post_save
from django.utils import timezone

from core.errors import Conflict, DomainError, InsufficientStock
from core.sweeps import sweep_each
from core.types import AnyUser
from fulfillment.models import (
    ConsolidationHold,
    ConsolidationLeg,
    ConsolidationLegLine,
    HoldStatus,
    LegStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from fulfillment.services.routing import order_route
from fulfillment.services.shipments import order_document, order_status_sync, shipment_cancel
from inventory.models import StockLevel, Transfer, TransferStatus
from inventory.services import StockLine, stock_reserve, transfer_cancel
from orders.models import Order, OrderEventKind
from orders.services import order_event_add, order_line_deallocate

logger = logging.getLogger(__name__)

ACTOR_LABEL = "consolidation"
SWEEP_BATCH = 500


def _units(count: int) -> str:
    return f"{count} unit" if count == 1 else f"{count} units"


def _note(order: Order, message: str, *, actor: AnyUser | None = None, actor_label: str = ACTOR_LABEL) -> None:
    order_event_add(order=order, kind=OrderEventKind.SHIPMENT, message=message, actor=actor, actor_label=actor_label)


def _locked(leg_id: int) -> tuple[Order, ConsolidationHold, ConsolidationLeg]:
    """The leg's order, hold and leg under row locks, in that order."""
    hold_id, order_id = ConsolidationLeg.objects.values_list("hold_id", "hold__order_id").get(pk=leg_id)
    order = Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order_id)
    hold = ConsolidationHold.objects.select_for_update(of=("self",)).select_related("node", "shipment").get(pk=hold_id)
    leg = ConsolidationLeg.objects.select_for_update(of=("self",)).select_related("transfer", "origin").get(pk=leg_id)
    return order, hold, leg


def consolidation_transfer_settle(*, transfer_id: int) -> ConsolidationLeg | None:
    """A leg's transfer was received or cancelled: reserve its units at the node, or fail the leg.

    Idempotent: a leg that is no longer on its way is left alone. Returns the leg (None if the
    transfer is no open leg's).
    """
    leg_id = (
        ConsolidationLeg.objects.filter(transfer_id=transfer_id, status=LegStatus.OPEN)
        .values_list("pk", flat=True)
        .first()
    )
    if leg_id is None:
        return None
    with transaction.atomic():
        order, hold, leg = _locked(leg_id)
        if leg.status != LegStatus.OPEN:
            return leg
        if leg.transfer.status == TransferStatus.RECEIVED:
            _arrive(order, hold, leg)
        elif leg.transfer.status == TransferStatus.CANCELLED:
            _fail(order, hold, leg, f"{leg.transfer.number} was cancelled", actor=None, actor_label=ACTOR_LABEL)
        order_status_sync(order=order, actor=None, actor_label=ACTOR_LABEL)
    return leg


def consolidation_leg_fail(
    *, leg: ConsolidationLeg, reason: str, actor: AnyUser | None, actor_label: str = ""
) -> ConsolidationLeg:
    """Staff say a leg will not arrive (lost in transit, say): its units are routed again.

    A transfer not shipped yet is cancelled (its units released at the origin); one on its way
    stays as it is in inventory (found, it is received as the node's stock; lost, inventory
    writes it off). 409 if the leg is no longer on its way.
    """
    reason = reason.strip() or "marked lost"
    with transaction.atomic():
        order, hold, locked = _locked(leg.pk)
        if locked.status != LegStatus.OPEN:
            raise Conflict(f"{locked.transfer.number} is {locked.get_status_display().lower()}; nothing to fail.")
        _fail(order, hold, locked, reason, actor=actor, actor_label=actor_label)
        order_status_sync(order=order, actor=actor, actor_label=actor_label)
    return locked


def _reserve_at_node(hold: ConsolidationHold, order: Order, wanted: dict[int, int], note: str) -> dict[int, int]:
    """Reserve the leg's units at the node for the order, or as many as are available to promise there."""
    lines = [StockLine(sku_id, count) for sku_id, count in sorted(wanted.items())]
    try:
        with transaction.atomic():
            stock_reserve(location=hold.node, lines=lines, actor=None, document=order_document(order), note=note)
        return dict(wanted)
    except InsufficientStock:
        pass
    available = dict(
        StockLevel.objects.filter(location=hold.node, sku_id__in=list(wanted))
        .annotate(atp=Greatest(F("on_hand") - F("reserved") - F("safety_stock"), Value(0)))
        .values_list("sku_id", "atp")
    )
    got = {sku_id: min(count, available.get(sku_id, 0)) for sku_id, count in wanted.items()}
    partial = [StockLine(sku_id, count) for sku_id, count in sorted(got.items()) if count > 0]
    if partial:
        stock_reserve(location=hold.node, lines=partial, actor=None, document=order_document(order), note=note)
    return got


def _arrive(order: Order, hold: ConsolidationHold, leg: ConsolidationLeg) -> None:
    """The transfer was received at the node: its units join the shipment; what is missing fails."""
    leg_lines = list(leg.lines.select_related("order_line", "sku").order_by("pk"))
    wanted: dict[int, int] = {}
    for line in leg_lines:
        wanted[line.sku_id] = wanted.get(line.sku_id, 0) + line.quantity
    got = _reserve_at_node(hold, order, wanted, f"{leg.transfer.number} for {hold.shipment.number}")
    new_lines = []
    short = 0
    for line in leg_lines:
        count = min(line.quantity, got.get(line.sku_id, 0))
        got[line.sku_id] = got.get(line.sku_id, 0) - count
        line.quantity_received = count
        if count:
            new_lines.append(
                ShipmentLine(shipment=hold.shipment, order_line=line.order_line, sku=line.sku, quantity=count)
            )
        if count < line.quantity:
            order_line_deallocate(line=line.order_line, quantity=line.quantity - count)
            short += line.quantity - count
    ConsolidationLegLine.objects.bulk_update(leg_lines, ["quantity_received"])
    ShipmentLine.objects.bulk_create(new_lines)
    total = sum(line.quantity for line in leg_lines)
    leg.arrived_at = timezone.now()
    leg.status = LegStatus.FAILED if short else LegStatus.ARRIVED
    if short:
        leg.failure_reason = f"received short: {short} of {_units(total)} could not be reserved at {hold.node.code}"
    leg.save(update_fields=["status", "arrived_at", "failure_reason"])
    _note(
        order,
        f"{leg.transfer.number} from {leg.origin.code} arrived at {hold.node.code}: "
        f"{_units(total - short)} reserved for {hold.shipment.number}."
        + (f" {_units(short)} missing ({leg.failure_reason})." if short else ""),
    )
    if short:
        _fall_back(order, hold, leg, actor=None, actor_label=ACTOR_LABEL)
    _progress(order, hold)


def _fail(
    order: Order,
    hold: ConsolidationHold,
    leg: ConsolidationLeg,
    reason: str,
    *,
    actor: AnyUser | None,
    actor_label: str,
) -> None:
    """The leg will not arrive: cancel its transfer if it has not left, take its units back, fall back."""
    moving = _stop_transfer(leg.transfer, actor=actor)
    for line in leg.lines.select_related("order_line").order_by("pk"):
        if line.quantity > line.quantity_received:
            order_line_deallocate(line=line.order_line, quantity=line.quantity - line.quantity_received)
    leg.status = LegStatus.FAILED
    leg.failure_reason = reason[:255]
    leg.save(update_fields=["status", "failure_reason"])
    _note(
        order,
        f"{leg.transfer.number} from {leg.origin.code} to {hold.node.code} failed: {reason}."
        + (" It is not called back: received, its units become the node's stock." if moving else ""),
        actor=actor,
        actor_label=actor_label,
    )
    _fall_back(order, hold, leg, actor=actor, actor_label=actor_label)
    _progress(order, hold)


def _stop_transfer(transfer: Transfer, *, actor: AnyUser | None) -> bool:
    """Cancel a transfer that has not left (its reservation released); True if it is on its way."""
    if transfer.status == TransferStatus.REQUESTED:
        try:
            with transaction.atomic():
                transfer_cancel(transfer=transfer, actor=actor)
        except DomainError:  # it left the origin a moment ago
            transfer.refresh_from_db()
        else:
            transfer.status = TransferStatus.CANCELLED
    return transfer.status == TransferStatus.SHIPPED


def _fall_back(
    order: Order, hold: ConsolidationHold, leg: ConsolidationLeg, *, actor: AnyUser | None, actor_label: str
) -> None:
    """After a failed leg: ship what is at the node and re-route the rest, or, when nothing is at the
    node nor on its way to it, call the parcel off and re-route the whole order."""
    at_node = ShipmentLine.objects.filter(shipment_id=hold.shipment_id).exists()
    coming = hold.legs.filter(status=LegStatus.OPEN, transfer__status=TransferStatus.SHIPPED).exists()
    if not at_node and not coming:
        _note(
            order,
            f"Nothing is at {hold.node.code} or on its way there yet: {hold.shipment.number} is called off and "
            "the whole order is routed again.",
            actor=actor,
            actor_label=actor_label,
        )
        shipment_cancel(
            shipment=hold.shipment,
            actor=actor,
            actor_label=actor_label,
            reason=f"consolidation at {hold.node.code} called off: {leg.transfer.number} failed",
        )
        order_route(order=order, actor=actor, actor_label=actor_label, trigger="consolidation called off")
        return
    _note(
        order,
        f"{hold.node.code} ships what is there in {hold.shipment.number}; the missing units are routed again.",
        actor=actor,
        actor_label=actor_label,
    )
    order_route(order=order, actor=actor, actor_label=actor_label, trigger="consolidation leg failed")


def _progress(order: Order, hold: ConsolidationHold) -> None:
    """No leg on its way any more: release the shipment to the work queue (or drop it if it is empty)."""
    hold.refresh_from_db(fields=["status"])
    if hold.status != HoldStatus.WAITING or hold.legs.filter(status=LegStatus.OPEN).exists():
        return
    failed = hold.legs.filter(status=LegStatus.FAILED).exists()
    if not ShipmentLine.objects.filter(shipment_id=hold.shipment_id).exists():
        hold.status = HoldStatus.CANCELLED
        hold.status_reason = "nothing reached the node"
        hold.save(update_fields=["status", "status_reason", "updated_at"])
        shipment_cancel(
            shipment=hold.shipment,
            actor=None,
            actor_label=ACTOR_LABEL,
            reason="consolidation: nothing reached the node",
        )
        return
    hold.status = HoldStatus.RELEASED
    hold.released_at = timezone.now()
    hold.status_reason = "ships what arrived; the rest was routed again" if failed else "every inbound unit arrived"
    hold.save(update_fields=["status", "released_at", "status_reason", "updated_at"])
    if failed:
        message = f"{hold.shipment.number} at {hold.node.code} is released to pick and pack with what arrived."
    else:
        message = (
            f"Every inbound unit is at {hold.node.code}: "
            f"{hold.shipment.number} is released to pick and pack as one box."
        )
    _note(order, message)


def _call_off(hold: ConsolidationHold, reason: str) -> None:
    """The held shipment was cancelled or re-routed: call its open legs off and take their units back.

    Runs in the cancelling transaction (the order's row is locked by it), before the caller
    cancels or re-routes the order's waiting units, so the legs' units are among them.
    """
    stopped: list[str] = []
    coming: list[str] = []
    legs = (
        ConsolidationLeg.objects.select_for_update(of=("self",))
        .select_related("transfer")
        .filter(hold=hold, status=LegStatus.OPEN)
        .order_by("pk")
    )
    for leg in legs:
        _stop_transfer(leg.transfer, actor=None)
        (stopped if leg.transfer.status == TransferStatus.CANCELLED else coming).append(leg.transfer.number)
        for line in leg.lines.select_related("order_line").order_by("pk"):
            order_line_deallocate(line=line.order_line, quantity=line.quantity - line.quantity_received)
        leg.status = LegStatus.CANCELLED
        leg.failure_reason = f"called off: {reason}"[:255]
        leg.save(update_fields=["status", "failure_reason"])
    hold.status = HoldStatus.CANCELLED
    hold.status_reason = reason[:255]
    hold.save(update_fields=["status", "status_reason", "updated_at"])
    parts = []
    if stopped:
        parts.append(f"{', '.join(stopped)} cancelled")
    if coming:
        parts.append(f"{', '.join(coming)} already on the way or there (its units become {hold.node.code} stock)")
    _note(
        hold.order,
        f"Consolidation at {hold.node.code} called off ({reason})" + (f": {'; '.join(parts)}." if parts else "."),
    )


def _shipment_saved(sender: Any, instance: Shipment, **kwargs: Any) -> None:
    """A held shipment became cancelled or rejected: call its consolidation off (see `_call_off`)."""
    if instance.status not in (ShipmentStatus.CANCELLED, ShipmentStatus.REJECTED):
        return
    with transaction.atomic():
        hold = (
            ConsolidationHold.objects.select_for_update(of=("self",))
            .select_related("node", "order")
            .filter(shipment_id=instance.pk, status=HoldStatus.WAITING)
            .first()
        )
        if hold is not None:
            _call_off(hold, instance.status_reason or f"{instance.number} {instance.status}")


def _transfer_saved(sender: Any, instance: Transfer, **kwargs: Any) -> None:
    """A leg's transfer was received or cancelled: settle the leg once that commits.

    Registered when the transfer is saved, so it runs before the receipt's `stock_received`
    handlers (another order waiting for the SKUs cannot take the units first).
    """
    if instance.status not in (TransferStatus.RECEIVED, TransferStatus.CANCELLED):
        return
    if ConsolidationLeg.objects.filter(transfer_id=instance.pk, status=LegStatus.OPEN).exists():
        transaction.on_commit(functools.partial(_settle_logged, instance.pk))


def _settle_logged(transfer_id: int) -> None:
    """Settle after commit; a failure is logged (the sweep retries) instead of failing the receipt's request."""
    try:
        consolidation_transfer_settle(transfer_id=transfer_id)
    except Exception:
        logger.exception("Could not settle the consolidation leg of transfer %s.", transfer_id)


post_save.connect(_shipment_saved, sender=Shipment, dispatch_uid="consolidation.shipment_saved")
post_save.connect(_transfer_saved, sender=Transfer, dispatch_uid="consolidation.transfer_saved")


def consolidation_sweep(*, node_ids: list[int] | None = None) -> list[int]:
    """Settle every open leg whose transfer was received or cancelled (a lost on-commit handler).

    Each leg in its own transaction; idempotent. `node_ids` limits it to those nodes. Returns
    the transfer ids settled.
    """
    due = ConsolidationLeg.objects.filter(
        status=LegStatus.OPEN, transfer__status__in=[TransferStatus.RECEIVED, TransferStatus.CANCELLED]
    )
    if node_ids is not None:
        due = due.filter(hold__node_id__in=node_ids)
    transfer_ids = list(due.order_by("pk").values_list("transfer_id", flat=True)[:SWEEP_BATCH])
    return sweep_each(
        transfer_ids,
        lambda transfer_id: consolidation_transfer_settle(transfer_id=transfer_id) is not None,
        failure="Could not settle the consolidation leg of transfer %s.",
    )
