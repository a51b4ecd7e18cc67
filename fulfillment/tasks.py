"""Fulfillment background tasks. Each takes ids or plain values, is idempotent and retries with backoff."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from celery import shared_task
from django.db import OperationalError

from carriers.builtin import CarrierUnavailable, carrier_client
from carriers.connectors import connector_for
from carriers.connectors.base import BoughtLabel, CarrierError
from carriers.models import CarrierAccount
from core.queueing import queue_or_leave_to_beat
from fulfillment.services.addresses import order_address_check, orders_to_check
from fulfillment.services.reroute import backorders_retry
from fulfillment.services.tracking import tracking_refresh
from orders.models import Order

logger = logging.getLogger(__name__)

MAX_RETRIES = 6
BACKOFF_MAX_SECONDS = 600


def _backoff(retries: int) -> int:
    return int(min(2**retries * 30, BACKOFF_MAX_SECONDS))


@shared_task(
    name="fulfillment.tasks.backorders_retry_task",
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    retry_backoff_max=BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def backorders_retry_task(sku_ids: list[int] | None = None) -> list[int]:
    """Route orders waiting for these SKUs (every SKU when None: the hourly sweep), oldest first.

    Queued after commit when stock is received. Returns the ids of orders routed.
    """
    routed = backorders_retry(sku_ids=sku_ids)
    if routed:
        logger.info("Backorder retry routed %d orders (SKUs %s).", len(routed), sku_ids or "all")
    return routed


@shared_task(name="fulfillment.tasks.tracking_poll", bind=True, max_retries=MAX_RETRIES)
def tracking_poll(self: Any, limit: int = 500) -> dict[str, int]:
    """Every 15 minutes: ask the carrier about shipped parcels, store new events, deliver.

    A carrier that is down is retried with backoff, honouring its Retry-After.
    """
    try:
        result = tracking_refresh(limit=limit)
    except (CarrierUnavailable, OperationalError) as exc:
        retry_after = getattr(exc, "retry_after", None)
        raise self.retry(exc=exc, countdown=retry_after or _backoff(self.request.retries)) from exc
    return {
        "checked": result.checked,
        "new_events": result.new_events,
        "delivered": result.delivered,
        "failed": result.failed,
    }


@shared_task(name="fulfillment.tasks.carrier_label_void", bind=True, max_retries=MAX_RETRIES)
def carrier_label_void(self: Any, *, carrier: str, tracking_number: str) -> None:
    """Give back a label bought but not used (so the merchant is not charged). Voiding twice is harmless."""
    try:
        carrier_client().void_label(carrier=carrier, tracking_number=tracking_number)
    except CarrierUnavailable as exc:
        raise self.retry(exc=exc, countdown=exc.retry_after or _backoff(self.request.retries)) from exc


@shared_task(name="fulfillment.tasks.bought_label_void", bind=True, max_retries=MAX_RETRIES)
def bought_label_void(
    self: Any,
    *,
    account_id: int | None,
    carrier: str,
    tracking_number: str,
    provider_shipment_id: str = "",
    provider_label_id: str = "",
) -> None:
    """Give back a label bought on a carrier account but not used (the box changed meanwhile)."""
    if account_id is None:
        carrier_label_void.run(carrier=carrier, tracking_number=tracking_number)
        return
    account = CarrierAccount.objects.filter(pk=account_id).first()
    if account is None:
        return
    label = BoughtLabel(
        tracking_number=tracking_number,
        carrier=carrier,
        service="",
        amount=Decimal(0),
        currency="USD",
        label_format="",
        label=b"",
        provider_shipment_id=provider_shipment_id,
        provider_label_id=provider_label_id,
    )
    try:
        connector_for(account).void(label)
    except CarrierUnavailable as exc:
        raise self.retry(exc=exc, countdown=exc.retry_after or _backoff(self.request.retries)) from exc
    except CarrierError:
        logger.warning("Voiding unused label %s on %s was refused", tracking_number, account.code)


# --- Ship-to addresses -----------------------------------------------------------------------

#: How many unchecked orders one sweep queues (the sweep runs again before long).
ADDRESS_SWEEP_BATCH = 200


@shared_task(name="fulfillment.tasks.order_address_check_task", bind=True, max_retries=MAX_RETRIES)
def order_address_check_task(self: Any, order_id: int) -> str:
    """Check a new order's ship-to address with a carrier (queued after the order commits).

    A carrier that is down is retried with backoff (its Retry-After honoured); the order is not
    held meanwhile. Checking again stores the same verdict. Returns the address status.
    """
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return ""
    try:
        return order_address_check(order)
    except (CarrierUnavailable, OperationalError) as exc:
        retry_after = getattr(exc, "retry_after", None)
        raise self.retry(exc=exc, countdown=retry_after or _backoff(self.request.retries)) from exc


#: The most orders one second's window queues (a busier second leaves the rest to the sweep).
ADDRESS_WINDOW_BATCH = 5000


@shared_task(
    name="fulfillment.tasks.addresses_check_window", autoretry_for=(OperationalError,), max_retries=MAX_RETRIES
)
def addresses_check_window(since: str, until: str) -> list[int]:
    """Queue the address check of every unchecked order created in [since, until) (ISO times).

    Intake queues this once per window of time instead of one message per order
    (`core.queueing.queue_for_window`); each order still gets its own task, with its own retries.
    """
    order_ids = orders_to_check(
        limit=ADDRESS_WINDOW_BATCH, since=datetime.fromisoformat(since), until=datetime.fromisoformat(until)
    )
    for order_id in order_ids:
        queue_or_leave_to_beat(order_address_check_task, order_id=order_id)
    return order_ids


@shared_task(name="fulfillment.tasks.addresses_check_sweep", autoretry_for=(OperationalError,), max_retries=MAX_RETRIES)
def addresses_check_sweep(limit: int = ADDRESS_SWEEP_BATCH) -> list[int]:
    """Queue the address check of recent orders whose check was never queued or never finished."""
    order_ids = orders_to_check(limit=limit)
    for order_id in order_ids:
        queue_or_leave_to_beat(order_address_check_task, order_id=order_id)
    return order_ids


# --- Stores: pickups and ship-from-store ------------------------------------------------------


@shared_task(name="fulfillment.tasks.pickup_notify", bind=True, max_retries=MAX_RETRIES)
def pickup_notify(self: Any, *, pickup_id: int, kind: str) -> bool:
    """Email the customer that a pickup is ready ("ready") or about to expire ("reminder").

    Idempotent: a "ready" email already sent is not sent again; the timeline records each
    email (or that the order has no email address). Retries with backoff if the mail server fails.
    """
    from django.db import transaction
    from django.utils import timezone

    from fulfillment.models import Pickup, PickupStatus
    from fulfillment.notifications import pickup_email
    from orders.models import OrderEventKind
    from orders.services import order_event_add

    pickup = Pickup.objects.select_related("order", "location").filter(pk=pickup_id).first()
    if pickup is None or pickup.status != PickupStatus.READY:
        return False
    order = pickup.order
    if not order.customer_email:
        order_event_add(
            order=order,
            kind=OrderEventKind.NOTE,
            message=f"No email address on the order: call {order.customer_phone or 'the customer'} "
            f"with pickup code {pickup.code}.",
            actor_label="pickup notification",
        )
        return False
    # Claim the "ready" email first, so two runs of the task never both send it.
    if kind == "ready" and not Pickup.objects.filter(pk=pickup.pk, ready_notified_at__isnull=True).update(
        ready_notified_at=timezone.now()
    ):
        return False
    try:
        pickup_email(pickup, kind=kind).send()
    except OSError as exc:  # SMTP down: give the claim back and try again later
        if kind == "ready":
            Pickup.objects.filter(pk=pickup.pk).update(ready_notified_at=None)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    with transaction.atomic():
        what = "Ready-for-pickup" if kind == "ready" else "Pickup reminder"
        order_event_add(
            order=order,
            kind=OrderEventKind.NOTE,
            message=f"{what} email sent to {order.customer_email} with pickup code and QR code.",
            actor_label="pickup notification",
        )
    return True


@shared_task(name="fulfillment.tasks.pickups_expire_task", autoretry_for=(OperationalError,), max_retries=MAX_RETRIES)
def pickups_expire_task() -> list[int]:
    """Every 15 minutes: expire ready pickups past their hold and release their stock (once).

    Also catches up on received transfers whose pickup is still new (the on-commit handler of
    the receipt was lost): their units are reserved and the pickup moves to picking.
    """
    from fulfillment.services.pickups import pickups_expire, pickups_transfers_sweep

    started = pickups_transfers_sweep()
    if started:
        logger.info("Started %d pickups whose transfer had been received: %s", len(started), started)
    expired = pickups_expire()
    if expired:
        logger.info("Expired %d pickups: %s", len(expired), expired)
    return expired


@shared_task(name="fulfillment.tasks.pickups_remind_task", autoretry_for=(OperationalError,), max_retries=MAX_RETRIES)
def pickups_remind_task() -> list[int]:
    """Every 15 minutes: remind customers whose pickup hold ends soon (once per pickup)."""
    from fulfillment.services.pickups import pickups_remind

    return pickups_remind()


@shared_task(
    name="fulfillment.tasks.store_requests_sla_task", autoretry_for=(OperationalError,), max_retries=MAX_RETRIES
)
def store_requests_sla_task() -> list[int]:
    """Every minute: re-route ship-from-store requests not accepted within their SLA."""
    from fulfillment.services.store_requests import store_requests_sla_sweep

    moved = store_requests_sla_sweep()
    if moved:
        logger.info("Re-routed %d ship-from-store requests past their SLA: %s", len(moved), moved)
    return moved
