"""Signals partners sends about its purchase orders. Partners never imports its listeners.

Each is sent inside the transaction of the change, with `purchase_order` (the saved instance), so a
listener that writes a row (the webhooks outbox) commits or rolls back with the change; listeners
must be quick, make no network call, and take `**kwargs`, so a sender may add more.

- `purchase_order_created`: routing opened the PO for a shipment (lines follow in the transaction).
- `purchase_order_sent`: the PO went out through the partner's exchange (portal and API: made
  available; EDI: the 850 written), once.
- `purchase_order_acknowledged`: the partner has answered every line (accepted, changed or rejected;
  `purchase_order.status` says which), once.
- `purchase_order_shipped`: a ship notice (ASN) was recorded, with `ship_notice`; one per notice,
  so a partial shipment sends one and the rest another.
- `purchase_order_invoiced`: an invoice was recorded, with `invoice`; one per invoice.
- `purchase_order_cancelled`: the PO was cancelled (by us, or because its order was), once.

They are derived from the saves the partners services already make (a PO's `sent_at`,
`acknowledged_at` and `status`, a new ship notice or invoice), so every path that changes a PO
(portal, REST API, EDI, the sweeps) sends them without each service having to remember to.
The translation is connected by `PartnersConfig.ready`, so the signals are sent whoever listens.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from partners.models import AdvanceShipNotice, Invoice, PurchaseOrder, PurchaseOrderStatus

purchase_order_created = Signal()
purchase_order_sent = Signal()
purchase_order_acknowledged = Signal()
purchase_order_shipped = Signal()
purchase_order_invoiced = Signal()
purchase_order_cancelled = Signal()


def _written(field: str, created: bool, update_fields: Iterable[str] | None) -> bool:
    """Whether this save wrote `field` (a full save does; a partial one must name it)."""
    return created or update_fields is None or field in update_fields


@receiver(post_save, sender=PurchaseOrder, dispatch_uid="partners.signals.purchase_order_saved")
def _purchase_order_saved(
    sender: Any, instance: PurchaseOrder, created: bool, raw: bool = False, update_fields: Any = None, **_: Any
) -> None:
    if raw:
        return
    if created:
        purchase_order_created.send(sender=PurchaseOrder, purchase_order=instance)
    if instance.sent_at is not None and _written("sent_at", created, update_fields):
        purchase_order_sent.send(sender=PurchaseOrder, purchase_order=instance)
    if instance.acknowledged_at is not None and _written("acknowledged_at", created, update_fields):
        purchase_order_acknowledged.send(sender=PurchaseOrder, purchase_order=instance)
    if instance.status == PurchaseOrderStatus.CANCELLED and _written("status", created, update_fields):
        purchase_order_cancelled.send(sender=PurchaseOrder, purchase_order=instance)


@receiver(post_save, sender=AdvanceShipNotice, dispatch_uid="partners.signals.ship_notice_saved")
def _ship_notice_saved(sender: Any, instance: AdvanceShipNotice, created: bool, raw: bool = False, **_: Any) -> None:
    if created and not raw:
        purchase_order_shipped.send(sender=PurchaseOrder, purchase_order=instance.purchase_order, ship_notice=instance)


@receiver(post_save, sender=Invoice, dispatch_uid="partners.signals.invoice_saved")
def _invoice_saved(sender: Any, instance: Invoice, created: bool, raw: bool = False, **_: Any) -> None:
    if created and not raw:
        purchase_order_invoiced.send(sender=PurchaseOrder, purchase_order=instance.purchase_order, invoice=instance)
