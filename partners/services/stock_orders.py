"""Stock purchase orders: units bought from a supplier for one of our locations (replenishment).

Unlike a dropship PO there is no customer and no shipment: the ship-to is our location's
address, and each ship notice the supplier sends is received there as stock
(`partners.services.ship_notices`). Everything else is the dropship PO's lifecycle: it is
transmitted after commit through the partner's exchange (portal and API: made available; EDI:
an 850 with BEG02 "SA"), acknowledged per line, invoiced and matched three ways, and cancelled
with `purchase_order_cancel` while not shipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.errors import ValidationFailed
from core.queueing import queue_on_commit_or_leave_to_beat
from core.types import Actor
from inventory.models import Location, LocationKind
from inventory.services import StockLine
from partners.models import (
    Exchange,
    Partner,
    PartnerKind,
    PartnerSkuCost,
    PurchaseOrder,
    PurchaseOrderKind,
    PurchaseOrderLine,
)
from partners.tasks import purchase_order_transmit_task

#: Where stock POs may deliver: locations that hold our own stock.
STOCKING_KINDS = (LocationKind.WAREHOUSE, LocationKind.STORE, LocationKind.THIRD_PARTY)


def location_ship_to(location: Location) -> dict[str, str]:
    """Our location's name and address, as a supplier ships to it."""
    return {
        "name": location.name,
        "line1": location.address_line1,
        "line2": "",
        "city": location.city,
        "region": location.region,
        "postal_code": location.postal_code,
        "country": location.country,
        "location_code": location.code,
    }


def _quantities(lines: Sequence[StockLine]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for index, line in enumerate(lines):
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity < 1:
            raise ValidationFailed("Order at least 1 unit per line.", field=f"lines[{index}].quantity")
        merged[line.sku_id] = merged.get(line.sku_id, 0) + line.quantity
    if not merged:
        raise ValidationFailed("A purchase order needs at least one line.", field="lines")
    return merged


def purchase_order_create_for_stock(
    *,
    partner: Partner,
    location: Location,
    lines: Sequence[StockLine],
    actor: Actor = None,
    reference: str = "",
) -> PurchaseOrder:
    """Order stock from a supplier for our `location`: lines at the supplier's costs, sent after commit.

    Refused (400, naming the field) for a partner that is not an active supplier taking POs (a 3PL
    connector takes none), a location that holds no stock of ours, or a SKU the supplier does not
    list a cost for (add it on the partner's SKU costs). Runs in its own transaction or the caller's.
    """
    if partner.kind != PartnerKind.DROPSHIP or partner.exchange == Exchange.CONNECTOR or not partner.is_active:
        raise ValidationFailed(
            f"{partner.name} is not an active supplier taking purchase orders (portal, API or EDI).", field="partner"
        )
    if location.kind not in STOCKING_KINDS or not location.is_active:
        raise ValidationFailed(
            f"{location.code} does not hold our stock: order for a warehouse, store or 3PL location.",
            field="location",
        )
    quantities = _quantities(lines)
    costs = {
        cost.sku_id: cost
        for cost in PartnerSkuCost.objects.filter(partner=partner, sku__in=list(quantities)).select_related("sku")
    }
    missing = [sku_id for sku_id in quantities if sku_id not in costs]
    if missing:
        raise ValidationFailed(
            f"{partner.name} lists no cost for SKU id {', '.join(map(str, missing))}: add it to the partner's "
            "SKU costs first.",
            field="lines",
        )
    now = timezone.now()
    with transaction.atomic():
        po = PurchaseOrder.objects.create(
            partner=partner,
            kind=PurchaseOrderKind.STOCK,
            location=location,
            reference=reference[:60],
            ship_to=location_ship_to(location),
            ship_by=timezone.localdate(now + timedelta(hours=partner.ship_sla_hours)),
            ack_due_at=now + timedelta(hours=partner.ack_sla_hours),
            ship_due_at=now + timedelta(hours=partner.ship_sla_hours),
            total_cost=sum((costs[sku_id].unit_cost * qty for sku_id, qty in quantities.items()), Decimal("0.00")),
        )
        PurchaseOrderLine.objects.bulk_create(
            [
                PurchaseOrderLine(
                    purchase_order=po,
                    line_number=number,
                    sku_id=sku_id,
                    supplier_sku=costs[sku_id].supplier_sku,
                    quantity=quantity,
                    unit_cost=costs[sku_id].unit_cost,
                )
                for number, (sku_id, quantity) in enumerate(quantities.items(), start=1)
            ]
        )
        queue_on_commit_or_leave_to_beat(purchase_order_transmit_task, po.pk)
    return po
