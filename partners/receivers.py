"""Partners' reactions to other apps' signals. Connected in `PartnersConfig.ready`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.dispatch import receiver

from fulfillment.models import Shipment, ShipmentLine
from fulfillment.signals import shipments_routed
from inventory.models import LocationKind
from partners.services import purchase_order_for_shipment


@receiver(shipments_routed, dispatch_uid="partners.purchase_orders_for_dropship_shipments")
def purchase_orders_for_dropship_shipments(
    sender: Any, *, shipments: Sequence[Shipment], lines: dict[int, list[ShipmentLine]], **kwargs: Any
) -> None:
    """Routing gave shipments to locations: a dropship supplier's gets its PO, in routing's transaction.

    Runs in routing's hot path, so any other location costs one attribute check and no query.
    """
    for shipment in shipments:
        if shipment.location.kind == LocationKind.DROPSHIP_SUPPLIER:
            purchase_order_for_shipment(shipment, lines=lines.get(shipment.pk))
