"""The global search: what a typed or scanned text names, grouped by kind, scoped to the reader.

Every kind is one query whatever the text or the data (plus, at most, the reader's location
grants and permissions): the lookups are exact or prefix matches on indexed columns (order
id, channel order id, pickup code, RMA id, tracking numbers, SKU code, barcode), so the
search stays an index probe on a large book. Two lookups are not indexed and are kept
narrow on purpose: a customer email must match exactly, and a customer name or SKU name
must start with the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from core.types import AnyUser, user_has_perm
from fulfillment.models import Package, Pickup
from fulfillment.selectors.orders import orders_for_staff
from fulfillment.services.pickups.counter import normalize_code
from inventory.models import SKU
from inventory.selectors import visible_location_ids
from returns.selectors import returns_visible_to

#: At most this many results of each kind; the kind's own list finds the rest.
PER_KIND = 8
#: Shorter texts match too much to be useful (and a single letter is a keyboard shortcut).
MIN_LENGTH = 2
MAX_LENGTH = 100

_ORDER_NUMBER = re.compile(r"(?:SO-?)?0*(\d{1,9})", re.IGNORECASE)
_RMA_NUMBER = re.compile(r"RMA-?0*(\d{1,9})", re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    """One thing the text names: what it is, how people recognise it, where its page is."""

    kind: str
    title: str
    detail: str
    url: str


@dataclass
class SearchResults:
    """The hits of one search, grouped by kind in a fixed order (kinds without hits left out)."""

    query: str
    groups: list[tuple[str, list[Hit]]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(hits) for _, hits in self.groups)

    @property
    def only_hit(self) -> Hit | None:
        """The one hit when the text names exactly one thing (the page then opens it)."""
        return self.groups[0][1][0] if self.total == 1 else None

    @property
    def searched(self) -> bool:
        return len(self.query) >= MIN_LENGTH


def _order_hits(user: AnyUser, text: str) -> list[Hit]:
    if not user_has_perm(user, "orders.view_order"):
        return []
    wanted = Q(external_id=text) | Q(customer_name__istartswith=text)
    if "@" in text:
        wanted |= Q(customer_email__iexact=text)
    number = _ORDER_NUMBER.fullmatch(text)
    if number:
        wanted |= Q(pk=int(number.group(1)))
    orders = orders_for_staff(user).filter(wanted).select_related("channel").order_by("-placed_at", "-id")[:PER_KIND]
    return [
        Hit(
            "Orders",
            order.number,
            f"{order.customer_name} · {order.channel.name} · {order.external_id} · {order.get_status_display()}",
            reverse("orders:detail", args=[order.pk]),
        )
        for order in orders
    ]


def _pickup_hits(user: AnyUser, text: str, location_ids: set[int] | None) -> list[Hit]:
    code = normalize_code(text)
    if not code or not user_has_perm(user, "fulfillment.work_shipments"):
        return []
    pickups = Pickup.objects.filter(code=code).select_related("order", "location")
    if location_ids is not None:
        pickups = pickups.filter(location_id__in=location_ids)
    return [
        Hit(
            "Pickups",
            f"Pickup {pickup.code}",
            f"{pickup.order.number} · {pickup.order.customer_name} · {pickup.location.name} · "
            f"{pickup.get_status_display()}",
            reverse("fulfillment:pickup_detail", args=[pickup.pk]),
        )
        for pickup in pickups[:PER_KIND]
    ]


def _return_hits(user: AnyUser, text: str) -> list[Hit]:
    wanted = Q(tracking_number=text)
    number = _RMA_NUMBER.fullmatch(text)
    if number:
        wanted |= Q(pk=int(number.group(1)))
    returns = returns_visible_to(user).filter(wanted).select_related("order").order_by("-created_at", "-id")
    return [
        Hit(
            "Returns",
            rma.number,
            f"{rma.order.number} · {rma.order.customer_name} · {rma.get_status_display()}",
            reverse("returns:detail", args=[rma.pk]),
        )
        for rma in returns[:PER_KIND]
    ]


def _parcel_hits(user: AnyUser, text: str, location_ids: set[int] | None) -> list[Hit]:
    # Staff who read orders open the order; the location's own people open the shipment's shipping page.
    reads_orders = user_has_perm(user, "orders.view_order")
    if not reads_orders and not user_has_perm(user, "fulfillment.work_shipments"):
        return []
    parcels = Package.objects.filter(tracking_number=text).select_related("shipment__order", "shipment__location")
    if location_ids is not None:
        parcels = parcels.filter(shipment__location_id__in=location_ids)
    return [
        Hit(
            "Tracking numbers",
            parcel.tracking_number,
            f"{parcel.shipment.order.number} · {parcel.shipment.number} from {parcel.shipment.location.name}",
            reverse("orders:detail", args=[parcel.shipment.order_id])
            if reads_orders
            else reverse("fulfillment:work_ship", args=[parcel.shipment_id]),
        )
        for parcel in parcels.order_by("-pk")[:PER_KIND]
    ]


def _sku_hits(user: AnyUser, text: str) -> list[Hit]:
    if not user_has_perm(user, "inventory.view_sku"):
        return []
    # Codes are stored as typed (mostly upper case): a case-sensitive prefix uses the code's index.
    wanted = Q(code__startswith=text) | Q(code__startswith=text.upper()) | Q(name__istartswith=text)
    if text.isdigit():
        wanted |= Q(barcode=text)
    skus = SKU.objects.filter(wanted).order_by("code")[:PER_KIND]
    return [
        Hit(
            "SKUs",
            sku.code,
            f"{sku.name}{f' · {sku.barcode}' if sku.barcode else ''}",
            reverse("inventory:sku_detail", args=[sku.code]),
        )
        for sku in skus
    ]


def global_search(*, user: AnyUser, query: str) -> SearchResults:
    """What `query` names among the things `user` may see: orders (number, channel order id,
    customer name or email), pickups (code), returns (RMA number, return tracking), parcels
    (tracking number) and SKUs (code, name, barcode).

    Location-bound things (pickups, parcels, returns) are limited to the reader's locations.
    A constant number of queries, whatever the text matches.
    """
    text = " ".join(query.split())[:MAX_LENGTH]
    results = SearchResults(query=text)
    if not results.searched:
        return results
    location_ids = visible_location_ids(user)
    groups = [
        ("Orders", _order_hits(user, text)),
        ("Pickups", _pickup_hits(user, text, location_ids)),
        ("Returns", _return_hits(user, text)),
        ("Tracking numbers", _parcel_hits(user, text, location_ids)),
        ("SKUs", _sku_hits(user, text)),
    ]
    results.groups = [(kind, hits) for kind, hits in groups if hits]
    return results
