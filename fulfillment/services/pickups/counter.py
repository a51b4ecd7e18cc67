"""The pickup counter: find the pickup a customer came for (code or order number), hand it over.

Only a ready pickup of this store is handed over, after the associate checks the customer's
photo ID; wrong codes are refused and recorded on the order's timeline.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from core.errors import Conflict, NotFound, ValidationFailed
from core.types import AnyUser, actor_id
from fulfillment.models import Pickup, PickupStatus, ShipmentStatus
from fulfillment.services.pickups._shared import locked_pickup, refuse_if_on_hold, store_shipments, timeline_add
from fulfillment.services.shipments import order_document, order_status_sync, shipment_ship
from fulfillment.signals import pickup_completed
from fulfillment.store_hours import local
from inventory.models import Location
from inventory.services import StockLine, stock_release
from orders.models import OrderEventKind, OrderLine
from orders.services import order_event_add, order_line_deallocate

logger = logging.getLogger(__name__)

_ORDER_NUMBER = re.compile(r"(?:SO-?)?0*(\d{1,9})", re.IGNORECASE)


def normalize_code(raw: str) -> str:
    """What a person typed or a scanner read, as a code: upper case, no spaces or dashes, QR prefix dropped."""
    text = (raw or "").strip().upper()
    text = text.removeprefix("PICKUP:")
    return re.sub(r"[\s\-]", "", text)[:40]


# --- Handover -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickupLookup:
    """What a scan at the counter found: the pickup to hand over, or why not."""

    pickup: Pickup | None
    error: str = ""
    by_code: bool = False


def _attempt(pickup: Pickup, message: str, *, actor: AnyUser | None, code: str) -> None:
    """Record a security-relevant attempt on the order's timeline (its own transaction: kept when refused)."""
    with transaction.atomic():
        order_event_add(
            order=pickup.order,
            kind=OrderEventKind.NOTE,
            message=message,
            actor=actor,
            data={"pickup": pickup.pk, "code_presented": code[:40], "security": True},
        )


def pickup_lookup(*, store: Location, raw: str, actor: AnyUser | None) -> PickupLookup:
    """Find the pickup a customer came for, by pickup code (typed or scanned) or order number.

    Only a ready pickup of this store is handed over. A code of another store's pickup is
    refused and recorded on that order's timeline; an unknown code is refused and logged; an
    expired, collected or cancelled pickup is refused with what happened. Nothing else changes.
    """
    code = normalize_code(raw)
    if not code:
        return PickupLookup(None, "Scan the customer's pickup code or type the order number.")
    pickup = Pickup.objects.select_related("order", "location").filter(code=code).first()
    by_code = pickup is not None
    if pickup is None:
        number = _ORDER_NUMBER.fullmatch(code)
        wanted = Q(order__external_id=raw.strip())
        if number:
            wanted |= Q(order_id=int(number.group(1)))
        # An external id is unique per channel only: this store's own pickup comes first, so
        # another channel's order with the same id at another store never shadows it.
        pickup = (
            Pickup.objects.select_related("order", "location")
            .filter(wanted)
            .annotate(
                elsewhere=Case(When(location=store, then=Value(0)), default=Value(1), output_field=IntegerField())
            )
            .order_by("elsewhere", "-pk")
            .first()
        )
    if pickup is None:
        logger.warning("Unknown pickup code %r presented at %s by user %s.", code, store.code, actor_id(actor))
        return PickupLookup(None, f"No pickup has the code or order number {code}. Check it with the customer.")
    if pickup.location_id != store.pk:
        if by_code:
            _attempt(
                pickup,
                f"Pickup code presented at {store.code}, but this pickup is at {pickup.location.code}; refused.",
                actor=actor,
                code=code,
            )
        return PickupLookup(
            None,
            f"{pickup.order.number} is to be collected at {pickup.location.name}, not here. Nothing was handed over.",
        )
    return _lookup_state(pickup, by_code=by_code)


def _lookup_state(pickup: Pickup, *, by_code: bool) -> PickupLookup:
    number = pickup.order.number
    if pickup.status == PickupStatus.READY:
        return PickupLookup(pickup, by_code=by_code)
    if pickup.status == PickupStatus.EXPIRED:
        when = local(pickup.closed_at or pickup.updated_at, pickup.location.timezone)
        return PickupLookup(
            None, f"{number} expired on {when:%a %d %b} and its items went back on sale. Nothing to hand over."
        )
    if pickup.status == PickupStatus.PICKED_UP:
        when = local(pickup.picked_up_at or pickup.updated_at, pickup.location.timezone)
        return PickupLookup(None, f"{number} was already picked up on {when:%a %d %b at %H:%M}.")
    if pickup.status == PickupStatus.CANCELLED:
        return PickupLookup(None, f"{number} was cancelled; nothing to hand over.")
    return PickupLookup(
        None, f"{number} is not ready yet ({pickup.get_status_display().lower()}); finish picking it first."
    )


def pickup_handover(
    *,
    pickup: Pickup,
    actor: AnyUser | None,
    id_checked: bool,
    refused_line_ids: Collection[int] = (),
    code: str = "",
    actor_label: str = "",
) -> Pickup:
    """Hand a ready pickup to the customer: reserved stock becomes shipped; refused lines are released.

    The associate must confirm the customer's photo ID. A `code` given that is not this
    pickup's is refused and recorded on the timeline. A second click (already picked up) is a
    409 and changes nothing. If the customer refuses every line the pickup is cancelled.
    """
    presented = normalize_code(code)
    if presented and presented != pickup.code:
        _attempt(
            pickup, f"Wrong pickup code {presented} presented for this pickup; refused.", actor=actor, code=presented
        )
        raise ValidationFailed("That code does not belong to this pickup. Nothing was handed over.", field="code")
    if not id_checked:
        raise ValidationFailed(
            f"Check the customer's photo ID matches {pickup.order.customer_name}, then tick the box.",
            field="id_checked",
        )
    with transaction.atomic():
        locked = locked_pickup(pickup)
        if locked.status != PickupStatus.READY:
            raise Conflict(_lookup_state(locked, by_code=False).error or "This pickup cannot be handed over.")
        refuse_if_on_hold(locked, "it is handed over")
        refused = set(refused_line_ids)
        lines = {line.pk: line for line in OrderLine.objects.filter(order=locked.order)}
        unknown = refused - set(lines)
        if unknown:
            raise NotFound("A refused line is not part of this order.", field="refused")
        shipments = store_shipments(locked, [ShipmentStatus.PACKED])
        handed = released = 0
        for shipment in shipments:
            kept = released_here = 0
            for sl in list(shipment.lines.select_related("order_line")):
                if sl.order_line_id in refused:
                    stock_release(
                        location=locked.location,
                        lines=[StockLine(sl.sku_id, sl.quantity)],
                        actor=actor,
                        document=order_document(locked.order),
                        note=f"{shipment.number}: refused at pickup",
                    )
                    order_line_deallocate(line=sl.order_line, quantity=sl.quantity, cancel=True)
                    released_here += sl.quantity
                    sl.delete()
                else:
                    kept += sl.quantity
            released += released_here
            if kept == 0:
                shipment.status = ShipmentStatus.CANCELLED
                shipment.status_reason = "refused by the customer at pickup"
                shipment.save(update_fields=["status", "status_reason", "updated_at"])
                continue
            shipment_ship(
                shipment=shipment,
                actor=actor,
                actor_label=actor_label,
                event_message=f"{shipment.number} handed over to the customer at {locked.location.code}.",
            )
            handed += kept
        now = timezone.now()
        locked.status = PickupStatus.PICKED_UP if handed else PickupStatus.CANCELLED
        locked.picked_up_at = now if handed else None
        locked.picked_up_by_id = actor_id(actor)
        locked.closed_at = now
        locked.status_reason = f"{released} unit(s) refused by the customer" if released else ""
        locked.save(
            update_fields=["status", "picked_up_at", "picked_up_by", "closed_at", "status_reason", "updated_at"]
        )
        how = "pickup code" if presented else "order number"
        message = f"Picked up at {locked.location.code} by {locked.order.customer_name} (photo ID checked, {how})."
        if released:
            message += f" {released} refused unit(s) released back to stock."
        if not handed:
            message = f"Customer refused every item at {locked.location.code}; {released} unit(s) released."
        timeline_add(locked, message, actor=actor, actor_label=actor_label, handed=handed, released=released)
        order_status_sync(order=locked.order, actor=actor, actor_label=actor_label)
        if handed:
            transaction.on_commit(
                functools.partial(pickup_completed.send, sender=Pickup, pickup_id=locked.pk, order_id=locked.order_id)
            )
    return locked
