"""What each fulfillment KPI counts, as query conditions: written once for the facts and the drill-down.

The analytics app counts orders and shipments matching these conditions into its daily facts;
the orders list filters by the same conditions (`?kpi=split`), so the number on the dashboard
and the orders behind it are the same set. Order conditions apply to `Order` rows; shipment
conditions to `Shipment` rows (an order matches a shipment KPI when one of its shipments does,
at the chosen location if any).
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce

from fulfillment.models import PickupStatus, RoutingDecision, Shipment, ShipmentStatus
from inventory.models import LocationKind
from orders.models import DeliveryMethod

#: The decision routing writes for an order when it first comes in.
FIRST_ROUTING = "new order"
_DEAD = (ShipmentStatus.CANCELLED, ShipmentStatus.REJECTED)


def routed_condition() -> Q:
    """Orders routing planned at least once (the denominator of fill and split rates)."""
    return Q(Exists(RoutingDecision.objects.filter(order=OuterRef("pk"))))


def filled_first_condition() -> Q:
    """Orders whose first routing covered every unit and that never had to be routed again.

    A re-route (a rejection, a cancelled shipment, staff, a stock receipt for a backorder) means
    the first plan did not ship the order complete.
    """
    complete = RoutingDecision.objects.filter(order=OuterRef("pk"), trigger=FIRST_ROUTING, plan__backorders={})
    again = RoutingDecision.objects.exclude(trigger=FIRST_ROUTING).filter(order=OuterRef("pk"))
    return Q(Exists(complete)) & ~Q(Exists(again))


def split_condition() -> Q:
    """Orders shipped from more than one shipment (cancelled and rejected ones left out)."""
    earlier = Shipment.objects.filter(order=OuterRef("order"), pk__lt=OuterRef("pk")).exclude(status__in=_DEAD)
    second = Shipment.objects.filter(order=OuterRef("pk")).exclude(status__in=_DEAD).filter(Exists(earlier))
    return Q(Exists(second))


def no_show_condition() -> Q:
    """Pickup orders whose customer never came: the hold ran out."""
    return Q(pickup__status=PickupStatus.EXPIRED)


def pickup_closed_condition() -> Q:
    """Pickup orders that are over one way or the other (picked up or expired): the no-show denominator."""
    return Q(pickup__status__in=(PickupStatus.PICKED_UP, PickupStatus.EXPIRED))


# Shipment conditions ------------------------------------------------------------------------------


def shipped_condition() -> Q:
    """Shipments that left with a ship-by date to judge them by."""
    return Q(shipped_at__isnull=False, ship_by__isnull=False)


def late_ship_condition() -> Q:
    """Shipments that left after their ship-by day (the merchant's day)."""
    return shipped_condition() & Q(shipped_at__date__gt=F("ship_by"))


def promise_expression() -> Coalesce:
    """The day a shipment was promised to arrive: the order's promise, else the routed estimate."""
    return Coalesce(F("order__promised_delivery_date"), F("estimated_delivery"))


def delivered_condition() -> Q:
    """Delivered shipments with a promise to judge them by."""
    return Q(delivered_at__isnull=False) & (
        Q(order__promised_delivery_date__isnull=False) | Q(estimated_delivery__isnull=False)
    )


def late_delivery_condition() -> Q:
    """Delivered after the day promised."""
    return delivered_condition() & Q(delivered_at__date__gt=promise_expression())


def store_request_condition() -> Q:
    """Ship-from-store requests: shipments of ship orders asked of a store."""
    return Q(location__kind=LocationKind.STORE, order__delivery_method=DeliveryMethod.SHIP)


def store_rejected_condition() -> Q:
    """Ship-from-store requests the store turned down (or let run past its accept deadline)."""
    return store_request_condition() & Q(status=ShipmentStatus.REJECTED)


#: Shipment KPIs the orders list can drill into, by their `?kpi=` value.
SHIPMENT_KPIS = {
    "late_ship": late_ship_condition,
    "late_delivery": late_delivery_condition,
    "store_rejected": store_rejected_condition,
}
#: Order KPIs the orders list can drill into, by their `?kpi=` value.
ORDER_KPIS = {
    "routed": routed_condition,
    "not_filled": lambda: routed_condition() & ~filled_first_condition(),
    "split": split_condition,
    "no_show": no_show_condition,
}
KPI_LABELS = {
    "routed": "Routed",
    "not_filled": "Not shipped complete at first routing",
    "split": "Split into several shipments",
    "no_show": "Pickup not collected",
    "late_ship": "Shipped after the ship-by day",
    "late_delivery": "Delivered after the promise",
    "store_rejected": "Rejected by a store",
}


def order_kpi_condition(kpi: str, *, location_id: int | None = None) -> Q:
    """Orders behind one KPI figure (`KPI_LABELS` keys); for a shipment KPI, at `location_id` if given."""
    if kpi in ORDER_KPIS:
        return ORDER_KPIS[kpi]()
    shipments = Shipment.objects.filter(SHIPMENT_KPIS[kpi](), order=OuterRef("pk"))
    if location_id is not None:
        shipments = shipments.filter(location_id=location_id)
    return Q(Exists(shipments))
