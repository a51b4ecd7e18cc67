"""Partners: dropship suppliers with their location, SKU costs and API keys; orders routed to them.

Keys are issued through the service (hashed), orders placed through `order_import`, so routing
opens the purchase orders exactly as production does.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import factory

from channels.models import Channel
from fulfillment.models import CostSettings, Shipment
from inventory.models import SKU, Location, LocationKind
from orders.models import Order
from partners.models import Exchange, Partner, PartnerKind, PartnerSkuCost, PurchaseOrder
from partners.services import partner_api_key_issue
from tests.factories.inventory import LocationFactory, SKUFactory, stocked
from tests.factories.orders import ChannelFactory, place_order


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"supplier-{n}")
    name = factory.LazyAttribute(lambda o: f"Supplier {o.code}")
    kind = PartnerKind.DROPSHIP
    exchange = Exchange.API
    ack_sla_hours = 24
    ship_sla_hours = 48


def dropship_supplier(code: str = "acme", *, priority: int = 1, **partner: Any) -> tuple[Partner, Location]:
    """A dropship partner and its one location (near New York, preferred by routing when costs tie)."""
    location = cast(
        Location,
        LocationFactory(
            code=f"{code}-ds",
            name=f"{code.title()} dropship",
            kind=LocationKind.DROPSHIP_SUPPLIER,
            postal_code="10001",
            latitude=Decimal("40.750600"),
            longitude=Decimal("-73.997200"),
            timezone="America/New_York",
            priority=priority,
        ),
    )
    made = cast(Partner, PartnerFactory(code=code, name=partner.pop("name", f"{code.title()} Supply"), **partner))
    made.locations.add(location)
    return made, location


def equal_handling() -> CostSettings:
    """Our warehouses and stores cost the same to handle, so location priority decides between them; both
    cost more than a supplier's handling plus its prices of the few units these tests order (routing counts
    a supplier's unit prices), so the supplier, preferred by priority, is also the cheapest."""
    return CostSettings.objects.create(
        handling_warehouse=Decimal("40.00"),
        handling_store=Decimal("40.00"),
        handling_dropship=Decimal("1.50"),
        backorder_penalty_per_unit=Decimal("100.00"),  # above any one shipment: a unit in stock always ships
    )


def sku_cost(partner: Partner, sku: SKU, unit_cost: str, supplier_sku: str = "") -> PartnerSkuCost:
    return PartnerSkuCost.objects.create(
        partner=partner, sku=sku, unit_cost=Decimal(unit_cost), supplier_sku=supplier_sku or f"V-{sku.code}"
    )


def partner_key(partner: Partner) -> str:
    """Issue an API key for the partner and return the secret (the Authorization token)."""
    return partner_api_key_issue(partner=partner, name="tests").secret


def po_of(order: Any) -> PurchaseOrder:
    """The one purchase order opened for an order's shipments."""
    return PurchaseOrder.objects.get(shipment__order=order)


def dropship_shipment(po: PurchaseOrder) -> Shipment:
    """The customer shipment a dropship PO fills, read afresh (a stock PO has none)."""
    assert po.shipment_id is not None, f"{po.number} is a stock purchase order: it fills no shipment"
    return Shipment.objects.get(pk=po.shipment_id)


@dataclass(frozen=True)
class DropshipNetwork:
    """A web shop, a dropship supplier (preferred by routing) and a Dallas warehouse holding the same SKUs."""

    channel: Channel
    partner: Partner
    supplier: Location
    warehouse: Location
    tee: SKU
    mug: SKU

    def order(self, lines: list[tuple[str, int]], external_id: str = "A-1", **extra: Any) -> Order:
        """Place an order through `order_import` (routing opens the PO in its transaction)."""
        return cast(Order, place_order(self.channel, lines, external_id=external_id, **extra).order)


def dropship_network(
    *, channel: Channel | None = None, supplier_stock: int = 20, warehouse_stock: int = 10
) -> DropshipNetwork:
    """Every location handles at the same cost; the supplier's priority 1 makes routing choose it first."""
    equal_handling()
    tee = cast(SKU, SKUFactory(code="TEE-BLK-M", name="Black tee, M", weight_grams=300))
    mug = cast(SKU, SKUFactory(code="MUG-WHT", name="White mug", weight_grams=450))
    partner, supplier = dropship_supplier("acme")
    sku_cost(partner, tee, "6.40", "ACME-TEE")
    sku_cost(partner, mug, "3.10", "ACME-MUG")
    warehouse = cast(
        Location, LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE, priority=50)
    )
    for sku in (tee, mug):
        if supplier_stock:
            stocked(supplier, sku, supplier_stock)
        if warehouse_stock:
            stocked(warehouse, sku, warehouse_stock)
    return DropshipNetwork(
        channel or cast(Channel, ChannelFactory(code="web", name="Web shop")), partner, supplier, warehouse, tee, mug
    )
