"""Staff edits of an order before pick: ship-to, lines, part cancelled, the location chosen by hand.

Each edit runs in one transaction with the order's row locked, then its shipments in pk order
(the rule of `fulfillment.services.reroute`): the shipments nobody has started picking are
released (stock back through `shipment_cancel`, which writes the ledger), the order book is
changed (`orders.services.edits`), and the waiting units are routed again (`order_route`, or
`order_route_pinned` for a location chosen by hand), so every reservation is made and undone by
the inventory services and the ledger replays. Once any shipment is being picked, edits are
closed (`edits_closed_reason` says why, for the page and the refusal alike).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction

from channels.models import ChannelKind
from core.errors import Conflict, ValidationFailed
from core.queueing import queue_on_commit_or_leave_to_beat
from core.types import AnyUser
from fulfillment.models import Shipment, ShipmentStatus
from fulfillment.services.reroute import REROUTABLE_SHIPMENT_STATUSES
from fulfillment.services.routing import RoutingOutcome, order_route
from fulfillment.services.routing.pinned import order_route_pinned
from fulfillment.services.shipments import order_status_sync, shipment_cancel
from fulfillment.tasks import order_address_check_task
from inventory.models import SKU, Location
from orders.models import DeliveryMethod, Order, OrderEventKind, OrderLine, OrderStatus
from orders.services import order_event_add, order_lock, order_transition
from orders.services.edits import (
    ShipTo,
    order_line_add,
    order_line_quantity_set,
    order_line_units_cancel,
    order_ship_to_set,
    order_totals_refresh,
    ship_to_of,
)

#: Channels whose marketplace learns of a whole cancellation (the confirmations sweep), not of a part.
MARKETPLACE_KINDS = (ChannelKind.SHOPIFY, ChannelKind.AMAZON, ChannelKind.EBAY, ChannelKind.WOOCOMMERCE)
_CLOSED = (OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
_STARTED = (ShipmentStatus.PICKING, ShipmentStatus.PACKED, ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)


def edits_closed_reason(order: Order, shipments: Sequence[Shipment]) -> str:
    """Why the order can no longer be edited ("" while it can): closed, a pickup, or picking started."""
    if order.status in _CLOSED:
        return f"{order.number} is {order.get_status_display().lower()}; it cannot be edited any more."
    if order.delivery_method == DeliveryMethod.PICKUP:
        return f"{order.number} is collected at {order.pickup_location or 'a store'}; change it at the store's pickups."
    started = next((shipment for shipment in shipments if shipment.status in _STARTED), None)
    if started is not None:
        return (
            f"{started.number} is {started.get_status_display().lower()} at {started.location.code}: "
            "edits close once picking starts. Re-route that shipment elsewhere first, or start a return once it ships."
        )
    return ""


@dataclass(frozen=True)
class EditOutcome:
    """An edited order, where it shipped from before, and what routing it again did (None: not routed)."""

    order: Order
    before: tuple[str, ...]
    routing: RoutingOutcome | None
    #: Something staff must do by hand, said after the routing.
    note: str = ""

    @property
    def after(self) -> tuple[str, ...]:
        return tuple(sorted({shipment.location.code for shipment in self.routing.shipments})) if self.routing else ()

    def explanation(self) -> str:
        """Where it ships from now and why, in a sentence for the page (and what is left to do by hand)."""
        return " ".join(part for part in (self._where(), self.note) if part)

    def _where(self) -> str:
        if self.routing is None:
            if self.order.status == OrderStatus.ON_HOLD:
                return "It is on hold: release it to route it."
            return ""
        reason = self.routing.decision.reason
        if not self.after:
            return f"Nothing can ship now; it waits for stock. {reason}"
        if self.before and set(self.before) != set(self.after):
            return f"Moved from {' + '.join(self.before)} to {' + '.join(self.after)}: {reason}"
        return reason


def _locked_for_edit(order: Order) -> Order:
    """Lock the order and refuse (409) an edit `edits_closed_reason` forbids."""
    locked = order_lock(order)
    shipments = list(locked.shipments.select_related("location").order_by("pk"))
    reason = edits_closed_reason(locked, shipments)
    if reason:
        raise Conflict(reason)
    return locked


def _release(order: Order, *, actor: AnyUser | None, note: str) -> tuple[str, ...]:
    """Cancel the shipments nobody has started (their stock released, their units waiting); their locations."""
    released = []
    for shipment in order.shipments.filter(status__in=REROUTABLE_SHIPMENT_STATUSES).order_by("pk"):
        shipment_cancel(shipment=shipment, actor=actor, reason=note)
        released.append(shipment.location.code)
    return tuple(sorted(set(released)))


def _route_again(order: Order, *, actor: AnyUser | None, trigger: str) -> RoutingOutcome | None:
    routing = order_route(order=order, actor=actor, trigger=trigger)
    if routing is None:
        order_status_sync(order=order, actor=actor)
    return routing


def order_ship_to_edit(*, order: Order, ship_to: ShipTo, actor: AnyUser | None) -> EditOutcome:
    """Ship to another address: validated and placed on the map, then routed again if the place moved.

    A new place may change the best plan (distance, zone, promise), so the open shipments are
    released and the order routed again; the decision says why it ships from where it does. A
    change that keeps the place (a flat number) keeps the reservations. The carrier's address
    check runs again after commit. Refused (400) for an address that cannot be placed; (409) once
    picking started, for a pickup or a closed order.
    """
    with transaction.atomic():
        locked = _locked_for_edit(order)
        was = ship_to_of(locked).one_line()
        moved = order_ship_to_set(order=locked, ship_to=ship_to)
        now = ship_to_of(locked).one_line()
        if now == was:
            return EditOutcome(order=locked, before=(), routing=None)
        order_event_add(
            order=locked, kind=OrderEventKind.NOTE, message=f"Ship-to changed to {now} (was {was}).", actor=actor
        )
        queue_on_commit_or_leave_to_beat(order_address_check_task, order_id=locked.pk)
        if not moved or locked.status == OrderStatus.ON_HOLD:
            return EditOutcome(order=locked, before=(), routing=None)
        before = _release(locked, actor=actor, note="ship-to address changed")
        routing = _route_again(locked, actor=actor, trigger="ship-to address changed")
    return EditOutcome(order=locked, before=before, routing=routing)


def order_lines_edit(
    *,
    order: Order,
    actor: AnyUser | None,
    quantities: Mapping[int, int] | None = None,
    add: tuple[SKU, int] | None = None,
    remove: Collection[int] = (),
) -> EditOutcome:
    """Change line quantities (by line id), add a line (SKU, units) and remove lines, then route again.

    The open shipments are released first, so every unit is reserved again through the inventory
    services (the ledger shows the release and the new reservation). A removed line keeps its row
    with every open unit cancelled (its history stays readable). The items and grand totals follow.
    Refused (400) for a quantity out of range, an unknown line, nothing to change, or removing every
    line (cancel the order instead); (409) once picking started.
    """
    quantities = dict(quantities or {})
    with transaction.atomic():
        locked = _locked_for_edit(order)
        lines = {line.pk: line for line in locked.lines.select_related("sku").order_by("line_number")}
        unknown = (set(quantities) | set(remove)) - set(lines)
        if unknown:
            raise ValidationFailed(f"{locked.number} has no line {min(unknown)}; reload the page.", field="lines")
        changed = {pk: qty for pk, qty in quantities.items() if pk not in remove and qty != lines[pk].quantity}
        removing = [lines[pk] for pk in remove if lines[pk].quantity > lines[pk].quantity_cancelled]
        if not changed and not removing and add is None:
            raise ValidationFailed("Nothing to change: edit a quantity, add a SKU or tick a line to remove.")
        still_open = [
            line for line in lines.values() if line.quantity > line.quantity_cancelled and line.pk not in remove
        ]
        if not still_open and add is None:
            raise ValidationFailed(f"Removing every line leaves nothing to ship; cancel {locked.number} instead.")
        before = _release(locked, actor=actor, note="lines edited")
        words = []
        for pk, quantity in changed.items():
            line = lines[pk]
            words.append(f"{line.sku.code} {line.quantity} → {quantity}")
            order_line_quantity_set(line=_fresh(line), quantity=quantity)
        for line in removing:
            fresh = _fresh(line)
            order_line_units_cancel(
                line=fresh, quantity=fresh.quantity - fresh.quantity_shipped - fresh.quantity_cancelled
            )
            words.append(f"removed {line.sku.code}")
        if add is not None:
            sku, units = add
            order_line_add(order=locked, sku=sku, quantity=units)
            words.append(f"added {sku.code} x{units}")
        order_totals_refresh(order=locked)
        order_event_add(
            order=locked, kind=OrderEventKind.NOTE, message=f"Lines edited: {'; '.join(words)}.", actor=actor
        )
        routing = _route_again(locked, actor=actor, trigger="lines edited")
    return EditOutcome(order=locked, before=before, routing=routing)


def _fresh(line: OrderLine) -> OrderLine:
    """The line as the database holds it now (releasing shipments changed its split with F())."""
    line.refresh_from_db(fields=["quantity", "quantity_allocated", "quantity_shipped", "quantity_cancelled"])
    return line


def order_units_cancel(
    *, order: Order, quantities: Mapping[int, int], reason: str, actor: AnyUser | None
) -> EditOutcome:
    """Cancel some units of some lines (line id → units) with a reason; the rest is routed again.

    Their stock is released (the open shipments are released, then what remains is routed again);
    the totals drop by what was cancelled. Cancelling every open unit cancels the order, which tells
    its channel as a full cancel does (the confirmations sweep). Refused (400) without a reason or
    units, or for more units than a line has open; (409) once picking started.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why these units are cancelled.", field="reason")
    wanted = {pk: units for pk, units in quantities.items() if units}
    if not wanted:
        raise ValidationFailed("Enter how many units of which line to cancel.", field="lines")
    with transaction.atomic():
        locked = _locked_for_edit(order)
        lines = {line.pk: line for line in locked.lines.select_related("sku").order_by("line_number")}
        unknown = set(wanted) - set(lines)
        if unknown:
            raise ValidationFailed(f"{locked.number} has no line {min(unknown)}; reload the page.", field="lines")
        before = _release(locked, actor=actor, note=f"part cancelled: {reason}")
        words = []
        for pk, units in wanted.items():
            line = _fresh(lines[pk])
            order_line_units_cancel(line=line, quantity=units)
            words.append(f"{line.sku.code} x{units}")
        order_totals_refresh(order=locked)
        order_event_add(
            order=locked,
            kind=OrderEventKind.CANCELLED,
            message=f"Cancelled {', '.join(words)}: {reason}",
            actor=actor,
            data={"lines": {str(pk): units for pk, units in wanted.items()}},
        )
        if all(line.quantity == line.quantity_cancelled for line in locked.lines.all()):
            order_transition(order=locked, to=OrderStatus.CANCELLED, actor=actor, reason=reason)
            return EditOutcome(order=locked, before=before, routing=None)
        routing = _route_again(locked, actor=actor, trigger="part cancelled")
        note = ""
        if locked.channel.kind in MARKETPLACE_KINDS:
            # Connectors cancel whole orders only; a part left uncancelled there would still be charged.
            note = (
                f"{locked.channel.get_kind_display()} is not told of a part cancellation: change the order there too."
            )
            order_event_add(order=locked, kind=OrderEventKind.NOTE, message=note, actor=actor)
    return EditOutcome(order=locked, before=before, routing=routing, note=note)


def order_location_choose(*, order: Order, location: Location, actor: AnyUser) -> EditOutcome:
    """Ship the order from the location staff chose: release its shipments and route it there only.

    What the location lacks waits for stock. The decision's trigger and the timeline say who chose.
    Refused (409) if the location can ship none of the units (nothing changes), for an order on
    hold (release it first), once picking started, or for a pickup.
    """
    who = actor.get_username() or "staff"
    with transaction.atomic():
        locked = _locked_for_edit(order)
        if locked.status == OrderStatus.ON_HOLD:
            raise Conflict(f"{locked.number} is on hold; release it before choosing where it ships from.")
        before = _release(locked, actor=actor, note=f"{location.code} chosen by {who}")
        routing = order_route_pinned(order=locked, location=location, actor=actor, trigger=f"chosen by {who}"[:40])
        if routing is None or not routing.shipments:
            raise Conflict(f"{location.code} cannot ship any of {locked.number}'s units; choose another location.")
        order_event_add(
            order=locked,
            kind=OrderEventKind.NOTE,
            message=f"Ships from {location.code}, chosen by {who}"
            + (f" (was {' + '.join(before)})." if before else "."),
            actor=actor,
        )
    return EditOutcome(order=locked, before=before, routing=routing)
