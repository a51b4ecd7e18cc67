"""Exceptions that are not an order's own state: ship-from-store requests a store turned down and
nobody could take, stock pushes and confirmations a channel refused, and channel orders held
before they became orders.

The order kinds (backordered, late, ...) live with the orders in `fulfillment.selectors.exceptions`;
these read rows of other apps (shipments, the marketplaces' outbox and held channel
orders), so the cross-app page owns them. Each kind is one count query and one list query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet

from core.types import AnyUser, user_has_perm
from fulfillment.models import Shipment, ShipmentStatus
from fulfillment.selectors.orders import orders_for_staff
from inventory.models import LocationKind
from marketplaces.models import ChannelConfirmation, ChannelOrder, ChannelOrderStatus, PushState, StockOutbox
from orders.models import DeliveryMethod, OrderLine, OrderStatus

STORE_REJECTED = "store_rejected"
SYNC_FAILED = "sync_failed"
UNCONFIRMED = "unconfirmed"
CHANNEL_HELD = "channel_held"


@dataclass(frozen=True)
class RowKind:
    """An exception kind whose rows are not orders: who may see it, and who may resolve it."""

    value: str
    label: str
    help: str
    view_permission: str
    act_permission: str


ROW_KINDS: list[RowKind] = [
    RowKind(
        STORE_REJECTED,
        "Store rejections",
        "A store turned down a ship-from-store request and no other location could take the units.",
        "orders.view_order",
        "orders.route_order",
    ),
    RowKind(
        SYNC_FAILED,
        "Sync failures",
        "A channel refused a stock update: it may be selling stock we no longer have, or hiding stock we do.",
        "channels.view_channel",
        "marketplaces.manage_sync",
    ),
    RowKind(
        UNCONFIRMED,
        "Unconfirmed on channel",
        "A channel refused a shipment, cancellation or refund we sent: its customer still sees the old state.",
        "channels.view_channel",
        "marketplaces.manage_sync",
    ),
    RowKind(
        CHANNEL_HELD,
        "Held channel orders",
        "A channel sent an order we could not take (a SKU not listed, a line we cannot read): it is not an order yet.",
        "channels.view_channel",
        "marketplaces.manage_sync",
    ),
]
ROW_KIND_BY_VALUE = {kind.value: kind for kind in ROW_KINDS}

#: An order a person can still route: not closed, not on hold (releasing routes a held one).
_NOT_ROUTABLE = (OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.ON_HOLD)


def row_kinds_for(user: AnyUser | object) -> list[RowKind]:
    """The row kinds this person may see (channel rows need the channels' read permission)."""
    return [kind for kind in ROW_KINDS if user_has_perm(user, kind.view_permission)]  # type: ignore[arg-type]


def store_rejections(*, user: AnyUser | object) -> QuerySet[Shipment]:
    """Rejected ship-from-store requests whose order still has units waiting, newest rejection first.

    A rejection re-routes at once; when that found another location nobody needs to look, so
    only the rejections that left units without a place are listed (one row per request).
    """
    waiting = OrderLine.objects.filter(
        order=OuterRef("order_id"),
        quantity__gt=F("quantity_allocated") + F("quantity_shipped") + F("quantity_cancelled"),
    )
    return (
        Shipment.objects.filter(
            status=ShipmentStatus.REJECTED,
            location__kind=LocationKind.STORE,
            order__in=orders_for_staff(user).values("pk"),
            order__delivery_method=DeliveryMethod.SHIP,
        )
        .exclude(order__status__in=_NOT_ROUTABLE)
        .filter(Exists(waiting))
        .select_related("order", "order__channel", "location")
        .order_by("-updated_at", "-pk")
    )


def sync_failures() -> QuerySet[StockOutbox]:
    """Stock pushes a channel refused for good, oldest change first, with the channel's reason."""
    return (
        StockOutbox.objects.filter(state=PushState.FAILED).select_related("channel", "sku").order_by("changed_at", "pk")
    )


def confirmations_refused() -> QuerySet[ChannelConfirmation]:
    """Confirmations a channel refused for good (shipment, cancellation, refund), oldest first."""
    return (
        ChannelConfirmation.objects.filter(state=PushState.FAILED)
        .select_related("channel", "order")
        .order_by("created_at", "pk")
    )


def channel_orders_held_rows() -> QuerySet[ChannelOrder]:
    """Channel orders held before they became orders, oldest first, with the reason."""
    return (
        ChannelOrder.objects.filter(status=ChannelOrderStatus.HELD)
        .select_related("channel")
        .order_by("created_at", "pk")
    )


def row_kind_rows(*, user: AnyUser | object, kind: str) -> QuerySet[Any]:
    """The rows of one row kind (`kind` must be one of `ROW_KINDS`)."""
    if kind == STORE_REJECTED:
        return store_rejections(user=user)
    if kind == SYNC_FAILED:
        return sync_failures()
    if kind == UNCONFIRMED:
        return confirmations_refused()
    if kind == CHANNEL_HELD:
        return channel_orders_held_rows()
    raise ValueError(kind)


def row_kind_counts(*, user: AnyUser | object) -> dict[str, int]:
    """How many rows each row kind the person may see has (one query per kind)."""
    return {kind.value: row_kind_rows(user=user, kind=kind.value).count() for kind in row_kinds_for(user)}
