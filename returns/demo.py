"""Demo returns for `seed_demo`: a few delivered web orders and returns in every interesting state.

Everything goes through the services (orders imported and routed, shipped with labels,
returns requested, received, inspected), so the ledger and the timelines are real.
Deterministic and idempotent: a second run finds its orders and adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from channels.models import Channel
from fulfillment.models import Shipment, ShipmentStatus
from fulfillment.services import shipment_accept, shipment_deliver, shipment_label, shipment_pack
from fulfillment.services.intake import order_import
from inventory.models import SKU, Location, LocationKind, StockLevel
from orders.models import Order
from orders.services import LineInput, OrderInput
from returns.models import ReturnAuthorization, ReturnSource
from returns.services import (
    ReturnLineInput,
    UnitInspection,
    return_counter_receive,
    return_inspect,
    return_policy_default_ensure,
    return_receive,
    return_request,
)

PREFIX = "DEMO-RET-"


@dataclass
class ReturnSeedResult:
    returns: dict[str, int] = field(default_factory=dict)


def _skus(count: int) -> list[SKU]:
    """SKUs with plenty of stock at a location that takes returns (deterministic order)."""
    ids = (
        StockLevel.objects.filter(
            location__accepts_returns=True, location__ships_orders=True, on_hand__gte=F("reserved") + 20
        )
        .filter(sku__is_active=True, sku__weight_grams__gt=0)
        .order_by("sku__code")
        .values_list("sku_id", flat=True)
        .distinct()
    )
    chosen = list(dict.fromkeys(ids))[:count]
    return list(SKU.objects.filter(pk__in=chosen).order_by("code"))


def _ship(order: Order, delivered_days_ago: int | None) -> None:
    for shipment in Shipment.objects.filter(order=order, status=ShipmentStatus.REQUESTED).order_by("pk"):
        shipment_accept(shipment=shipment, actor=None, actor_label="demo")
        scans = [line.sku.code for line in shipment.lines.select_related("sku") for _ in range(line.quantity)]
        shipment_pack(shipment=shipment, scanned=scans, weight_grams=1200, actor=None, actor_label="demo")
        shipment_label(shipment=shipment, actor=None, actor_label="demo")
        if delivered_days_ago is not None:
            shipment_deliver(
                shipment=shipment, actor_label="demo", delivered_at=timezone.now() - timedelta(days=delivered_days_ago)
            )


def _order(channel: Channel, n: int, skus: list[tuple[SKU, int]], zip_code: str, name: str, days: int | None) -> Order:
    data = OrderInput(
        external_id=f"{PREFIX}{n}",
        customer_name=name,
        customer_email=f"{name.split()[0].lower()}@example.com",
        line1=f"{100 + n} Demo Street",
        postal_code=zip_code,
        lines=tuple(LineInput(sku.code, qty, sku.price or Decimal("25.00")) for sku, qty in skus),
        tax_total=Decimal("3.20"),
    )
    order = order_import(channel=channel, data=data, actor_label="demo").order
    _ship(order, days)
    order.refresh_from_db()
    return order


def _doesnt_fit(sku: SKU) -> ReturnLineInput:
    return ReturnLineInput(1, "doesnt_fit", sku=sku.code)


def seed_returns() -> ReturnSeedResult:
    """Create the demo orders and returns if they are missing."""
    result = ReturnSeedResult()
    return_policy_default_ensure()
    channel = Channel.objects.filter(code="web").first()
    if channel is None or Order.objects.filter(external_id__startswith=PREFIX).exists():
        return result
    skus = _skus(4)
    if len(skus) < 4:
        return result
    a, b, c, d = skus

    # 1. Authorised with a label, on its way back.
    order = _order(channel, 1, [(a, 2)], "10001", "Ada Lovelace", 4)
    return_request(order=order, lines=[_doesnt_fit(a)], source=ReturnSource.SELF_SERVICE, actor_label="customer")
    # 2. Late: held for approval.
    order = _order(channel, 2, [(b, 1)], "60601", "Grace Hopper", 38)
    return_request(order=order, lines=[_doesnt_fit(b)], source=ReturnSource.API, actor_label="channel web")
    # 3. An exchange for another SKU, received: the replacement is released.
    order = _order(channel, 3, [(c, 1)], "75201", "Alan Turing", 6)
    rma = return_request(
        order=order,
        lines=[ReturnLineInput(1, "doesnt_fit", sku=c.code, exchange_sku=d.code)],
        source=ReturnSource.SELF_SERVICE,
        actor_label="customer",
    )
    if rma.return_location is not None:
        return_receive(rma=rma, location=rma.return_location, actor=None, actor_label="demo")
    # 4. Changed mind, received and inspected: refund pending for the channel.
    order = _order(channel, 4, [(d, 2)], "98101", "Katherine Johnson", 9)
    rma = return_request(
        order=order,
        lines=[ReturnLineInput(2, "changed_mind", sku=d.code)],
        source=ReturnSource.STAFF,
        actor_label="demo",
    )
    if rma.return_location is not None:
        return_receive(rma=rma, location=rma.return_location, actor=None, actor_label="demo")
        units = list(rma.units.order_by("sequence"))
        return_inspect(
            rma=rma,
            inspections=[
                UnitInspection(units[0].pk, "opened", "restock"),
                UnitInspection(units[1].pk, "opened", "refurbish", note="re-fold and re-bag"),
            ],
            actor=None,
            actor_label="demo",
        )
    # 5. Returned at a store counter, waiting for inspection.
    order = _order(channel, 5, [(a, 1)], "60601", "Edsger Dijkstra", 3)
    store = (
        Location.objects.filter(kind=LocationKind.STORE, accepts_returns=True, is_active=True).order_by("code").first()
    )
    if store is not None:
        return_counter_receive(store=store, order=order, lines=[_doesnt_fit(a)], actor=None)
    for status in ReturnAuthorization.objects.values_list("status", flat=True):
        result.returns[status] = result.returns.get(status, 0) + 1
    return result
