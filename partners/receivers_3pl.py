"""The 3PL connector's reactions to other apps' signals. Connected in `PartnersConfig.ready`.

Importing this module also registers the connector's Celery tasks (`partners.tasks_3pl`, a
module Celery's autodiscovery, which looks for `tasks`, does not find by itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.dispatch import receiver

from fulfillment.models import Shipment
from fulfillment.signals import shipments_routed
from inventory.models import LocationKind
from partners import tasks_3pl  # noqa: F401  (registers the tasks)
from partners.threepl.outbox import fulfillment_order_queue


@receiver(shipments_routed, dispatch_uid="partners.threepl_fulfillment_orders")
def fulfillment_orders_for_3pl_shipments(sender: Any, *, shipments: Sequence[Shipment], **kwargs: Any) -> None:
    """Routing gave shipments to locations: a connected 3PL's is owed as a fulfillment order, in
    routing's transaction (sent after commit). Any other location costs one attribute check."""
    for shipment in shipments:
        if shipment.location.kind == LocationKind.THIRD_PARTY:
            fulfillment_order_queue(shipment=shipment)
