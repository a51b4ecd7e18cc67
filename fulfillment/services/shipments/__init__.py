"""Shipments: create (reserving stock), move through the location's work, ship, cancel.

Every stock effect goes through `inventory.services` (reserve on create, release on cancel,
ship on ship), with the order as the ledger document, and every order-line effect through
`orders.services`, so the order's split (allocated / shipped / cancelled / backordered)
always matches the shipments.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict
from core.types import AnyUser
from fulfillment.models import OPEN_SHIPMENT_STATUSES, SHIPMENT_TRANSITIONS, Shipment, ShipmentLine, ShipmentStatus
from fulfillment.services.capacity import location_day_load_add
from fulfillment.services.shipments.rows import shipment_rows_write
from fulfillment.signals import shipment_shipped
from inventory.models import Location
from inventory.services import DocumentRef, StockLine, stock_release, stock_reserve_at, stock_ship
from orders.models import Order, OrderEventKind, OrderLine, OrderStatus
from orders.services import (
    order_event_add,
    order_line_deallocate,
    order_line_ship,
    order_transition,
)


@dataclass(frozen=True)
class Allocation:
    """Units of one order line to ship from a location."""

    line: OrderLine
    quantity: int


def order_document(order: Order) -> DocumentRef:
    """The ledger document for stock movements made on behalf of an order."""
    return DocumentRef("order", str(order.pk))


def _sku_lines(allocations: Sequence[Allocation]) -> list[StockLine]:
    per_sku: dict[int, int] = {}
    for allocation in allocations:
        per_sku[allocation.line.sku_id] = per_sku.get(allocation.line.sku_id, 0) + allocation.quantity
    return [StockLine(sku_id, qty) for sku_id, qty in per_sku.items()]


@dataclass(frozen=True)
class ShipmentSpec:
    """One shipment to create: the location, the order lines' units, and what the plan says about it."""

    location: Location
    allocations: Sequence[Allocation]
    carrier: str = ""
    service: str = ""
    ship_by: date | None = None
    estimated_delivery: date | None = None
    cost: Decimal = Decimal("0.00")
    weight_grams: int = 0
    accept_by: datetime | None = None


@dataclass(frozen=True)
class CreatedShipments:
    """The shipments `shipments_create` wrote, and each one's lines (by shipment id), as stored."""

    shipments: list[Shipment]
    lines: dict[int, list[ShipmentLine]]


def shipment_create(
    *,
    order: Order,
    location: Location,
    allocations: Sequence[Allocation],
    actor: AnyUser | None,
    carrier: str = "",
    service: str = "",
    ship_by: date | None = None,
    estimated_delivery: date | None = None,
    cost: Decimal = Decimal("0.00"),
    weight_grams: int = 0,
) -> Shipment:
    """Reserve the units at the location and record the shipment (all or nothing).

    Raises InsufficientStock if the location no longer has them (the caller re-plans).
    """
    spec = ShipmentSpec(
        location=location,
        allocations=allocations,
        carrier=carrier,
        service=service,
        ship_by=ship_by,
        estimated_delivery=estimated_delivery,
        cost=cost,
        weight_grams=weight_grams,
    )
    with transaction.atomic():
        return shipments_create(order=order, specs=[spec], actor=actor).shipments[0]


def shipments_create(*, order: Order, specs: Sequence[ShipmentSpec], actor: AnyUser | None) -> CreatedShipments:
    """Reserve the units of several shipments of one order and record them, in the caller's transaction.

    The stock is reserved at every location at once, all or nothing (`stock_reserve_at`, stock
    rows locked by primary key), then the shipments, their lines, their locations' load counters
    and the order lines' allocated units are written with one statement (`shipment_rows_write`).
    The OrderLine objects are not changed (the database is).

    Runs in the caller's transaction, which must be open (it holds the order's row lock, or
    created the order in it), and opens no savepoint of its own on the way that succeeds:
    raises InsufficientStock, having written nothing, if a location no longer has the units, so
    a caller may plan again in the same transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("shipments_create runs inside the transaction that holds the order's lock.")
    if not specs:
        return CreatedShipments([], {})
    reservations = [  # a consolidation node's parcel whose units all come by transfer holds none here yet
        (spec.location, _sku_lines(spec.allocations)) for spec in specs if spec.allocations
    ]
    if reservations:
        stock_reserve_at(reservations=reservations, actor=actor, document=order_document(order))
    shipments = [
        Shipment(
            order=order,
            location=spec.location,
            carrier=spec.carrier,
            service=spec.service,
            ship_by=spec.ship_by,
            estimated_delivery=spec.estimated_delivery,
            cost=spec.cost,
            weight_grams=spec.weight_grams,
            accept_by=spec.accept_by,
        )
        for spec in specs
    ]
    per_shipment = [
        [ShipmentLine(order_line=a.line, sku=a.line.sku, quantity=a.quantity) for a in spec.allocations]
        for spec in specs
    ]
    shipment_rows_write(order, shipments, per_shipment)
    return CreatedShipments(
        shipments, {shipment.pk: lines for shipment, lines in zip(shipments, per_shipment, strict=True)}
    )


def _locked_shipment(shipment: Shipment) -> Shipment:
    """The shipment under its row lock, after its order's (orders first: see `fulfillment.services.reroute`)."""
    order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment.pk)
    Order.objects.select_for_update(of=("self",)).values_list("pk", flat=True).get(pk=order_id)
    return Shipment.objects.select_for_update(of=("self",)).select_related("location", "order").get(pk=shipment.pk)


def _check_transition(shipment: Shipment, to: str) -> None:
    if to not in SHIPMENT_TRANSITIONS.get(shipment.status, frozenset()):
        raise Conflict(
            f"Shipment {shipment.number} is {shipment.get_status_display().lower()}; it cannot become "
            f"{ShipmentStatus(to).label.lower()}."
        )


def shipment_transition(
    *, shipment: Shipment, to: str, actor: AnyUser | None, actor_label: str = "", reason: str = ""
) -> Shipment:
    """Move a shipment through the location's work (accepted, picking, packed); 409 if not allowed."""
    if to in (ShipmentStatus.SHIPPED, ShipmentStatus.CANCELLED, ShipmentStatus.REJECTED):
        raise Conflict(f"Use the {to} action for that.")
    with transaction.atomic():
        locked = _locked_shipment(shipment)
        _check_transition(locked, to)
        locked.status = to
        locked.status_reason = reason[:255]
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        order_event_add(
            order=locked.order,
            kind=OrderEventKind.SHIPMENT,
            message=f"{locked.number} at {locked.location.code}: {ShipmentStatus(to).label.lower()}.",
            actor=actor,
            actor_label=actor_label,
        )
        order_status_sync(order=locked.order, actor=actor, actor_label=actor_label)
    return locked


def _allocations_of(shipment: Shipment) -> list[Allocation]:
    return [Allocation(sl.order_line, sl.quantity) for sl in shipment.lines.select_related("order_line")]


def shipment_cancel(
    *,
    shipment: Shipment,
    actor: AnyUser | None,
    actor_label: str = "",
    reason: str = "",
    rejected: bool = False,
    cancel_units: bool = False,
) -> Shipment:
    """Cancel (or reject) an open shipment: release its stock; its units become backordered again
    (to be re-routed) or, with `cancel_units`, cancelled on the order."""
    to = ShipmentStatus.REJECTED if rejected else ShipmentStatus.CANCELLED
    with transaction.atomic():
        locked = _locked_shipment(shipment)
        if locked.status not in OPEN_SHIPMENT_STATUSES:
            raise Conflict(f"Shipment {locked.number} is {locked.get_status_display().lower()} and cannot be {to}.")
        _check_transition(locked, to)
        allocations = _allocations_of(locked)
        if allocations:  # a consolidation node's parcel still waiting for all of its units holds no stock
            stock_release(
                location=locked.location,
                lines=_sku_lines(allocations),
                actor=actor,
                document=order_document(locked.order),
                note=f"{locked.number} {to}",
            )
        for allocation in allocations:
            order_line_deallocate(line=allocation.line, quantity=allocation.quantity, cancel=cancel_units)
        locked.status = to
        locked.status_reason = reason[:255]
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        location_day_load_add(order=locked.order, shipments=[locked], delta=-1)
        order_event_add(
            order=locked.order,
            kind=OrderEventKind.SHIPMENT,
            message=f"{locked.number} at {locked.location.code} {to}" + (f": {reason}" if reason else "."),
            actor=actor,
            actor_label=actor_label,
        )
    return locked


def shipment_ship(
    *,
    shipment: Shipment,
    actor: AnyUser | None,
    tracking_number: str = "",
    actor_label: str = "",
    event_message: str = "",
) -> Shipment:
    """The parcel left: reserved stock becomes shipped in the ledger, the order lines count it.

    `event_message` replaces the timeline's wording (a pickup is handed over, not shipped).
    After commit, sends `fulfillment.signals.shipment_shipped`.
    """
    with transaction.atomic():
        locked = _locked_shipment(shipment)
        _check_transition(locked, ShipmentStatus.SHIPPED)
        allocations = _allocations_of(locked)
        stock_ship(
            location=locked.location,
            lines=_sku_lines(allocations),
            actor=actor,
            document=order_document(locked.order),
            note=locked.number,
        )
        for allocation in allocations:
            order_line_ship(line=allocation.line, quantity=allocation.quantity)
        locked.status = ShipmentStatus.SHIPPED
        locked.tracking_number = tracking_number[:64]
        locked.shipped_at = timezone.now()
        locked.save(update_fields=["status", "tracking_number", "shipped_at", "updated_at"])
        order_event_add(
            order=locked.order,
            kind=OrderEventKind.SHIPMENT,
            message=event_message
            or f"{locked.number} shipped from {locked.location.code}"
            + (f", tracking {tracking_number}." if tracking_number else "."),
            actor=actor,
            actor_label=actor_label,
        )
        order_status_sync(order=locked.order, actor=actor, actor_label=actor_label)

        transaction.on_commit(
            functools.partial(shipment_shipped.send, sender=Shipment, shipment_id=locked.pk, order_id=locked.order_id)
        )
    return locked


def order_status_sync(*, order: Order, actor: AnyUser | None = None, actor_label: str = "") -> Order:
    """Derive the order's status from its lines and shipments (on hold and cancelled stay put)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status in (OrderStatus.ON_HOLD, OrderStatus.CANCELLED, OrderStatus.DELIVERED):
        return order
    lines = list(order.lines.all())
    working = order.shipments.filter(
        status__in=[ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING, ShipmentStatus.PACKED]
    ).exists()
    target = order_status_target(lines=lines, working=working)
    if target != order.status:
        order_transition(order=order, to=target, actor=actor, actor_label=actor_label)
    return order


def order_status_target(*, lines: Sequence[OrderLine], working: bool) -> str:
    """The status an order's lines and shipments call for (`working`: a shipment is accepted, picking or packed)."""
    wanted = sum(line.quantity - line.quantity_cancelled for line in lines)
    shipped = sum(line.quantity_shipped for line in lines)
    allocated = sum(line.quantity_allocated for line in lines)
    if wanted == 0:
        return OrderStatus.CANCELLED
    if shipped >= wanted:
        return OrderStatus.SHIPPED
    if shipped > 0:
        return OrderStatus.PARTIALLY_SHIPPED
    if working:
        return OrderStatus.IN_FULFILLMENT
    if allocated > 0:
        return OrderStatus.ROUTED
    return OrderStatus.BACKORDERED
