"""Exchanges: the replacement order a return asks for, held until the return arrives.

The replacement goes through `fulfillment.services.intake.order_import` like any order (routed and
its stock reserved at once, so the customer's size is kept for them), each line priced at
what the customer paid for the returned item (they pay nothing more; an exchange for a
dearer SKU waits for staff approval). It is put on hold until the return is received,
unless the policy trusts the customer (enough delivered orders on the channel), in which
case it ships at once. A parcel that arrives short releases only the units that came
back: the rest of the replacement is cancelled first (`exchange_release`).
"""

from __future__ import annotations

from django.db.models import Q

from core.errors import DomainError
from core.types import AnyUser
from fulfillment.models import OPEN_SHIPMENT_STATUSES, ShipmentStatus
from fulfillment.services import order_cancel, order_hold, order_release, shipment_cancel
from fulfillment.services.intake import order_import
from orders.models import DeliveryMethod, Order, OrderStatus
from orders.services import LineInput, OrderInput, order_line_cancel_backorder, order_lock
from returns.models import ReturnAuthorization, ReturnPolicy
from returns.services._common import rma_event


def customer_is_trusted(order: Order, policy: ReturnPolicy) -> bool:
    """True if the policy ships exchanges at once for this customer (enough delivered orders on the channel)."""
    if policy.instant_exchange_min_orders is None or not order.customer_email:
        return False
    delivered = Order.objects.filter(
        Q(status=OrderStatus.DELIVERED) | Q(shipments__status=ShipmentStatus.DELIVERED),
        channel_id=order.channel_id,
        customer_email__iexact=order.customer_email,
    ).distinct()
    return delivered.count() >= policy.instant_exchange_min_orders


def exchange_create(*, rma: ReturnAuthorization, actor: AnyUser | None, actor_label: str = "") -> Order | None:
    """Create the replacement order of an authorised return's exchange lines (once); None without exchange lines.

    Precondition: the return is locked (or new) inside a transaction.
    """
    if rma.exchange_order_id is not None:
        return rma.exchange_order
    lines = [line for line in rma.lines.select_related("exchange_sku").order_by("pk") if line.exchange_sku_id]
    if not lines:
        return None
    order = rma.order
    pickup = order.delivery_method == DeliveryMethod.PICKUP and order.pickup_location is not None
    data = OrderInput(
        external_id=f"{order.external_id}-{rma.number}"[-100:],
        customer_name=order.customer_name,
        customer_email=order.customer_email,
        customer_phone=order.customer_phone,
        # Priced at what the customer paid for the returned item (never more: a dearer SKU waits for approval).
        lines=tuple(LineInput(line.exchange_sku.code, line.quantity, line.unit_price) for line in lines),  # type: ignore[union-attr]
        line1=order.ship_line1,
        line2=order.ship_line2,
        city=order.ship_city,
        region=order.ship_region,
        postal_code=order.ship_postal_code,
        country=order.ship_country,
        delivery_method=order.delivery_method,
        service_level=order.service_level,
        pickup_location=order.pickup_location.code if pickup else "",  # type: ignore[union-attr]
        currency=order.currency,
    )
    label = actor_label or f"exchange for {rma.number}"
    replacement = order_import(channel=order.channel, data=data, actor=actor, actor_label=label).order
    rma.exchange_order = replacement
    rma.save(update_fields=["exchange_order", "updated_at"])
    trusted = customer_is_trusted(order, rma.policy)
    if not trusted:
        order_hold(
            order=replacement,
            actor=actor,
            actor_label=label,
            reason=f"exchange for {rma.number}: ships when the return is received",
        )
    when = "ships now (trusted customer)" if trusted else "ships when the return is received"
    wanted = ", ".join(f"{line.exchange_sku.code} \u00d7 {line.quantity}" for line in lines)  # type: ignore[union-attr]
    rma_event(
        rma=rma,
        message=f"exchange order {replacement.number} created ({wanted}); {when}.",
        actor=actor,
        actor_label=actor_label,
        data={"exchange_order": replacement.pk},
    )
    return replacement


def _units_not_received(rma: ReturnAuthorization, replacement: Order) -> dict[int, int]:
    """Replacement order line id -> units to cut, because their returned units did not come back.

    The replacement's lines were created in the order of the return's exchange lines (by pk).
    """
    returned = [line for line in rma.lines.order_by("pk") if line.exchange_sku_id]
    replacing = list(replacement.lines.order_by("line_number"))
    cut: dict[int, int] = {}
    for returned_line, replacement_line in zip(returned, replacing, strict=False):
        missing = min(returned_line.quantity - returned_line.quantity_received, replacement_line.quantity)
        if missing > 0:
            cut[replacement_line.pk] = missing
    return cut


def _replacement_cut(
    replacement: Order, cut: dict[int, int], *, actor: AnyUser | None, actor_label: str, reason: str
) -> None:
    """Cancel `cut` units per line of a held replacement order through the fulfillment and order services.

    Open shipments holding a line to cut are cancelled (their stock released, their units
    waiting again); then the units to cut are cancelled off the waiting ones. What is left
    is routed again when the order is released. Precondition: inside a transaction.
    """
    locked = order_lock(replacement)
    shipments = locked.shipments.filter(status__in=OPEN_SHIPMENT_STATUSES, lines__order_line_id__in=list(cut))
    for shipment in shipments.distinct().order_by("pk"):
        shipment_cancel(shipment=shipment, actor=actor, actor_label=actor_label, reason=reason)
    for line in locked.lines.filter(pk__in=list(cut)).order_by("pk"):
        quantity = min(cut[line.pk], line.quantity_backordered)
        if quantity > 0:
            order_line_cancel_backorder(line=line, quantity=quantity)


def exchange_release(*, rma: ReturnAuthorization, actor: AnyUser | None, actor_label: str = "") -> None:
    """The return arrived: release its replacement order to ship, cut to the units that came back.

    Units whose returned item was not in the parcel are cancelled first; a replacement of
    which nothing came back is cancelled and never released. Nothing happens when there is
    no replacement or it is not held (a trusted customer's ships at once).
    Precondition: the return is locked and its lines' `quantity_received` are set.
    """
    replacement = rma.exchange_order
    if replacement is None:
        return
    replacement.refresh_from_db()
    if replacement.status != OrderStatus.ON_HOLD:
        return
    cut = _units_not_received(rma, replacement)
    if cut and sum(cut.values()) >= sum(line.quantity for line in replacement.lines.all()):
        order_cancel(
            order=replacement,
            actor=actor,
            actor_label=actor_label,
            reason=f"nothing to exchange arrived in return {rma.number}",
        )
        rma_event(
            rma=rma,
            message=f"exchange order {replacement.number} cancelled: none of the items to exchange came back.",
            actor=actor,
            actor_label=actor_label,
        )
        return
    if cut:
        _replacement_cut(
            replacement, cut, actor=actor, actor_label=actor_label, reason=f"return {rma.number} arrived short"
        )
    order_release(order=replacement, actor=actor, actor_label=actor_label, reason=f"return {rma.number} received")
    cut_text = (
        f" ({sum(cut.values())} unit{'s' if sum(cut.values()) != 1 else ''} not returned cancelled)" if cut else ""
    )
    rma_event(
        rma=rma,
        message=f"exchange order {replacement.number} released to ship{cut_text}.",
        actor=actor,
        actor_label=actor_label,
    )


def exchange_cancel(*, rma: ReturnAuthorization, actor: AnyUser | None, actor_label: str = "") -> None:
    """The return will not come: cancel what has not shipped of its replacement order."""
    replacement = rma.exchange_order
    if replacement is None:
        return
    replacement.refresh_from_db()
    if replacement.status in (OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        return
    try:
        order_cancel(order=replacement, actor=actor, actor_label=actor_label, reason=f"return {rma.number} cancelled")
    except DomainError as exc:
        rma_event(rma=rma, message=f"exchange order {replacement.number} not cancelled: {exc.message}", actor=actor)
