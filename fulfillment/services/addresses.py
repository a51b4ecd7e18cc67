"""Ship-to addresses: checked with a carrier after intake, corrected by staff, or held.

`order_address_check` asks a carrier's address API (the task `fulfillment.tasks.order_address_check_task`,
queued after the order commits, never inside intake's transaction): verified; a correction
suggested (staff accept it on the order page with `order_address_accept_suggestion`); or
undeliverable, and then the order is held with the reason so nobody picks or labels it.

`order_hold_if_unplaced` is intake's side: an order to ship whose destination cannot be placed
on the map (`core.geo`) is held with the reason instead of being routed from (0, 0).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from carriers.connectors import CONNECTORS, connector_for
from carriers.connectors.base import AddressVerdict, CarrierConnector, CarrierError, CarrierUnavailable, PostalAddress
from carriers.models import CarrierAccount, Provider
from core.errors import Conflict
from core.geo import geocode_postal_code, normalize_us_zip, not_on_map_reason
from core.types import AnyUser
from fulfillment.models import Package, PackageStatus, ShipmentStatus
from fulfillment.selectors.orders import DEAD_SHIPMENT_STATUSES
from fulfillment.services.labels.parcels import order_address
from fulfillment.services.reroute import order_hold
from orders.models import AddressStatus, DeliveryMethod, Order, OrderEvent, OrderEventKind, OrderStatus
from orders.services import order_event_add, order_transition

logger = logging.getLogger(__name__)

ACTOR_LABEL = "address check"
#: Orders whose address no longer matters: the parcels left, or nothing will.
_DONE = (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED)
#: Orders that may still be held for an undeliverable address (nothing has shipped).
_HOLDABLE = (OrderStatus.NEW, OrderStatus.ROUTED, OrderStatus.IN_FULFILLMENT, OrderStatus.BACKORDERED)
#: The PostalAddress fields an accepted suggestion replaces, and the order fields they go to.
_SHIP_FIELDS = {
    "street1": "ship_line1",
    "street2": "ship_line2",
    "city": "ship_city",
    "state": "ship_region",
    "postal_code": "ship_postal_code",
    "country": "ship_country",
}


# --- Intake: a destination that is not on the map --------------------------------------------


def order_hold_if_unplaced(
    *, order: Order, timeline: Sequence[OrderEvent], actor: AnyUser | None, actor_label: str
) -> bool:
    """Hold a new order to ship whose destination has no coordinates; True if it was held.

    Precondition: `order` was inserted in the current transaction by intake and is new; the
    `timeline` entries (not saved yet) are written first. The order gets the reason as its
    address note and the "not on the map" address status; nothing is routed or reserved.
    """
    if order.delivery_method == DeliveryMethod.PICKUP or None not in (order.ship_latitude, order.ship_longitude):
        return False
    reason = not_on_map_reason(order.ship_postal_code, order.ship_country)
    OrderEvent.objects.bulk_create(list(timeline))
    order.address_status, order.address_note = AddressStatus.NOT_GEOCODED, reason[:300]
    Order.objects.filter(pk=order.pk).update(address_status=order.address_status, address_note=order.address_note)
    order_transition(order=order, to=OrderStatus.ON_HOLD, actor=actor, actor_label=actor_label, reason=reason)
    return True


# --- Checking with a carrier -----------------------------------------------------------------


def _verifies_addresses(account: CarrierAccount) -> bool:
    path = CONNECTORS.get(account.provider)
    return bool(path and getattr(import_string(path), "supports_address_verification", False))


def address_connector_for(order: Order) -> CarrierConnector:
    """Who checks an order's address: an active account that verifies addresses at a location the
    order is routed to, else any active one that does, else the built-in carrier."""
    routed_to = order.shipments.exclude(status__in=DEAD_SHIPMENT_STATUSES).values("location_id")
    active = CarrierAccount.objects.filter(is_active=True).order_by("name", "pk")
    for account in [*active.filter(locations__in=routed_to).distinct(), *active]:
        if _verifies_addresses(account):
            return connector_for(account)
    return connector_for(CarrierAccount(code="builtin", name="Built-in carrier", provider=Provider.BUILTIN))


def _comparable(address: PostalAddress) -> tuple[str, ...]:
    """An address as carriers compare them: case and spacing aside, a US ZIP+4 as its ZIP."""
    postal = address.postal_code
    if address.country.upper() == "US":
        postal = normalize_us_zip(postal) or postal
    values = (address.street1, address.street2, address.city, address.state, postal, address.country)
    return tuple(" ".join(value.upper().replace(".", "").replace(",", "").split()) for value in values)


def _suggestion_dict(address: PostalAddress) -> dict[str, object]:
    return asdict(address)


def _messages(verdict: AddressVerdict) -> str:
    return " ".join(message.rstrip(".") + "." for message in verdict.messages if message)


def order_address_check(order: Order) -> str:
    """Check an order's ship-to address with a carrier and store the verdict; returns the status set.

    Verified: status verified. A correction: status corrected, the suggestion and a note for
    staff. Undeliverable: status undeliverable, the reason as note, and the order held with it
    if nothing has shipped. The carrier is asked with no transaction open. Orders picked up in
    store, or already shipped, delivered or cancelled, are not checked. `CarrierUnavailable`
    propagates (the task retries; the order is not held for it); a refusal of the request
    itself is noted and leaves the address unchecked.
    """
    current = Order.objects.get(pk=order.pk)
    if current.delivery_method == DeliveryMethod.PICKUP or current.status in _DONE:
        return current.address_status
    address = order_address(current)
    connector = address_connector_for(current)
    try:
        verdict = connector.verify_address(address)
    except CarrierUnavailable:
        raise
    except CarrierError as exc:
        Order.objects.filter(pk=current.pk).update(
            address_note=f"The address could not be checked: {exc.message}"[:300]
        )
        logger.warning("Address check of %s refused: %s", current.number, exc.message)
        return current.address_status
    return _store_verdict(current, address, verdict)


def _store_verdict(order: Order, address: PostalAddress, verdict: AddressVerdict) -> str:
    suggestion = verdict.suggestion
    if suggestion is not None and _comparable(suggestion) == _comparable(address):
        suggestion = None
    with transaction.atomic():
        locked = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        if not verdict.deliverable:
            status = AddressStatus.UNDELIVERABLE
            note = "The carrier cannot deliver to this address. " + (_messages(verdict) or "")
        elif suggestion is not None:
            status = AddressStatus.CORRECTED
            note = f"The carrier suggests {suggestion.one_line()}. " + _messages(verdict)
        else:
            status, note = AddressStatus.VERIFIED, ""
        locked.address_status = status
        locked.address_note = note.strip()[:300]
        locked.address_suggestion = _suggestion_dict(suggestion) if suggestion is not None else {}
        # A verified address changes nothing a client of the order API sees, so the order's
        # updated_at (the API's change cursor) moves only for a suggestion or a hold.
        fields = ["address_status", "address_note", "address_suggestion"]
        locked.save(update_fields=fields if status == AddressStatus.VERIFIED else [*fields, "updated_at"])
        order_event_add(
            order=locked,
            kind=OrderEventKind.NOTE,
            message=f"Address {AddressStatus(status).label.lower()}" + (f": {locked.address_note}" if note else "."),
            actor_label=ACTOR_LABEL,
            data={"address_status": status},
        )
        if status == AddressStatus.UNDELIVERABLE and locked.status in _HOLDABLE:
            order_hold(order=locked, actor=None, actor_label=ACTOR_LABEL, reason=locked.address_note)
    return status


def orders_to_check(*, limit: int, since: datetime | None = None, until: datetime | None = None) -> list[int]:
    """Orders to ship whose address has not been checked yet, oldest first: created from `since`
    (default: the last 48 hours, the sweep behind the queue) and before `until` when given."""
    found = Order.objects.filter(
        address_status=AddressStatus.UNCHECKED, created_at__gte=since or timezone.now() - timedelta(hours=48)
    )
    if until is not None:
        found = found.filter(created_at__lt=until)
    return list(
        found.exclude(delivery_method=DeliveryMethod.PICKUP)
        .exclude(status__in=_DONE)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


# --- Staff: accept the carrier's suggestion ---------------------------------------------------


def order_address_accept_suggestion(*, order: Order, actor: AnyUser | None, actor_label: str = "") -> Order:
    """Ship to the carrier's suggested address: copy it to the order, place it on the map again.

    Refused (409) when there is no suggestion, the order has shipped or is cancelled, or a box
    already has a label printed with the old address (void it first). The note is cleared and
    the change goes on the timeline; a hold stays for staff to release.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        suggestion = locked.address_suggestion or {}
        if not suggestion:
            raise Conflict(f"{locked.number} has no suggested address to use.")
        if locked.status in _DONE:
            raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}; its address cannot change.")
        labelled = Package.objects.filter(
            shipment__order=locked,
            shipment__status__in=[ShipmentStatus.PACKED, ShipmentStatus.SHIPPED],
            status__in=[PackageStatus.LABELLED, PackageStatus.BUYING],
        )
        if labelled.exists():
            raise Conflict(f"A label of {locked.number} carries the old address; void it before changing the address.")
        before = order_address(locked).one_line()
        for source, target in _SHIP_FIELDS.items():
            value = str(suggestion.get(source) or "").strip()
            setattr(locked, target, value.upper() if target == "ship_country" else value)
        locked.ship_country = locked.ship_country or "US"
        place = geocode_postal_code(locked.ship_postal_code, locked.ship_country)
        locked.ship_latitude = place.latitude if place else None
        locked.ship_longitude = place.longitude if place else None
        locked.address_status = AddressStatus.VERIFIED if place else AddressStatus.NOT_GEOCODED
        locked.address_suggestion = {}
        locked.address_note = "" if place else not_on_map_reason(locked.ship_postal_code, locked.ship_country)[:300]
        locked.save()
        order_event_add(
            order=locked,
            kind=OrderEventKind.NOTE,
            message=f"Ship-to changed to the carrier's suggestion: {order_address(locked).one_line()} (was {before}).",
            actor=actor,
            actor_label=actor_label,
        )
    return locked
