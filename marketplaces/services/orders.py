"""Channel orders in: webhooks (verified, deduplicated, answered at once, worked by a worker) and
polling (watermark with an overlap window). Every order goes through `fulfillment.services.intake.order_import`.

- `webhook_receive` checks the signature (bad: 401, nothing stored, one log line), parses
  (malformed: 400, logged on the channel), stores the delivery unique per (channel, event id)
  (a repeat only counts a duplicate), queues `webhook_process_task` after commit, and returns.
- `webhook_process` re-fetches the order from the channel before acting, so a late or
  reordered event can never apply older data: what is imported is always the channel's
  current state.
- `orders_poll` lists orders updated since the watermark minus an overlap window (clocks and
  eventual consistency on the marketplace side), imports each (idempotent), and moves the
  watermark to the newest update seen.
- `channel_order_ingest` maps the channel's lines to our SKUs through the listings. A line
  that maps to no listing holds the order with a clear reason ("SKU AB-12 is not listed on
  Amazon US"); so does an order `order_import` refuses (an unknown ZIP, …). Held orders are
  kept (ChannelOrder, status held) and imported by `channel_order_retry` once fixed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from channels.models import Channel
from core.errors import DomainError
from core.queueing import queue_on_commit_or_leave_to_beat
from core.safe_json import clean, clean_text
from fulfillment.services import order_cancel
from fulfillment.services.intake import order_import
from marketplaces.connectors import AuthExpired, ConnectorError, RemoteOrder, WebhookRejected, connector_for
from marketplaces.models import (
    ChannelOrder,
    ChannelOrderStatus,
    ChannelSync,
    CredentialStatus,
    DeliveryStatus,
    Listing,
    SyncKind,
    SyncLevel,
    WebhookDelivery,
)
from marketplaces.services.log import credentials_expired_record, sync_log
from marketplaces.services.stock_sync.caps import release_capped
from marketplaces.tasks import webhook_process_task
from orders.models import OrderStatus
from orders.services import LineInput, OrderInput

logger = logging.getLogger(__name__)

POLL_OVERLAP = timedelta(minutes=10)
FIRST_POLL_LOOKBACK = timedelta(days=3)


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    message: str


def webhook_receive(*, channel: Channel, headers: Mapping[str, str], body: bytes) -> WebhookAnswer:
    """Verify, deduplicate and store one webhook delivery; the work happens in a worker."""
    try:
        connector = connector_for(channel)
    except ConnectorError as exc:
        logger.warning("Webhook for channel %s refused: %s", channel.code, exc.message)
        return WebhookAnswer(404, "This channel does not take webhooks.")
    # Header names are case-insensitive; values are latin-1 under WSGI and may hold any byte.
    headers = httpx.Headers(
        [
            (name.encode("latin-1", "replace"), str(value).encode("latin-1", "replace"))
            for name, value in headers.items()
        ]
    )
    try:
        event = connector.verify_webhook(headers, body)
    except WebhookRejected as exc:
        if exc.status == 401:
            logger.warning(
                "Webhook for channel %s with a bad signature: %s (nothing stored)", channel.code, exc.message
            )
        else:
            logger.warning("Malformed webhook for channel %s: %s", channel.code, exc.message)
            sync_log(
                channel_id=channel.pk,
                kind=SyncKind.WEBHOOK,
                level=SyncLevel.WARNING,
                message=f"Refused a malformed webhook (400): {clean_text(exc.message)}",
                action="Check the webhook's topic and format in the marketplace's settings.",
            )
        return WebhookAnswer(exc.status, exc.message)
    finally:
        connector.close()
    if event.topic == "ping":  # WooCommerce's unsigned check when a webhook is saved: answer, store nothing
        return WebhookAnswer(200, "Ping received.")
    # PostgreSQL refuses NUL (and lone surrogates) in text and jsonb: store what can be stored.
    event_id, resource_id = clean_text(event.event_id)[:120], clean_text(event.resource_id)[:100]
    with transaction.atomic():
        delivery, created = WebhookDelivery.objects.get_or_create(
            channel=channel,
            event_id=event_id,
            defaults={
                "topic": clean_text(event.topic)[:60],
                "resource_id": resource_id,
                "payload": clean(event.payload),
            },
        )
        if not created:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(duplicates=F("duplicates") + 1)
            return WebhookAnswer(200, "Duplicate delivery: already received.")
        if not resource_id:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.IGNORED, processed_at=timezone.now()
            )
            return WebhookAnswer(200, "Received; nothing to do for this topic.")

        queue_on_commit_or_leave_to_beat(webhook_process_task, delivery.pk)
    return WebhookAnswer(200, "Received.")


def webhook_process(*, delivery_id: int) -> WebhookDelivery:
    """Act on a stored delivery: re-fetch the order it names and ingest that (idempotent)."""
    delivery = WebhookDelivery.objects.select_related("channel", "channel__sync").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.RECEIVED:
        return delivery
    channel = delivery.channel
    connector = connector_for(channel)
    try:
        remote = connector.get_order(delivery.resource_id)
    except AuthExpired as exc:
        credentials_expired_record(channel=channel, message=exc.message)
        raise
    except ConnectorError as exc:
        if exc.retryable:
            raise
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, error=exc.message[:500], processed_at=timezone.now()
        )
        sync_log(
            channel_id=channel.pk,
            kind=SyncKind.WEBHOOK,
            level=SyncLevel.ERROR,
            message=f"Could not read order {delivery.resource_id} named by a {delivery.topic} webhook: {exc.message}",
        )
        delivery.refresh_from_db()
        return delivery
    finally:
        connector.close()
    channel_order_ingest(channel=channel, remote=remote, source=f"{delivery.topic} webhook")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PROCESSED, processed_at=timezone.now(), error=""
    )
    release_capped(channel.pk)  # last units held back from this channel may show again
    delivery.refresh_from_db()
    return delivery


def orders_poll(*, channel_id: int) -> int:
    """Import orders updated since the watermark (minus the overlap); returns how many were read."""
    channel = Channel.objects.select_related("sync").get(pk=channel_id)
    sync = channel.sync
    if not channel.is_active or sync.credential_status == CredentialStatus.EXPIRED:
        return 0
    since = (sync.orders_watermark or timezone.now() - FIRST_POLL_LOOKBACK) - POLL_OVERLAP
    newest = sync.orders_watermark
    started = timezone.now()  # every order sold before this is imported once the poll succeeds
    connector = connector_for(channel)
    read = 0
    try:
        for remote in connector.list_orders(since):
            read += 1
            channel_order_ingest(channel=channel, remote=remote, source="poll")
            newest = remote.updated_at if newest is None or remote.updated_at > newest else newest
    except AuthExpired as exc:
        credentials_expired_record(channel=channel, message=exc.message)
        return read
    except ConnectorError as exc:
        sync_log(
            channel_id=channel.pk,
            kind=SyncKind.PULL,
            level=SyncLevel.WARNING,
            message=f"Order poll stopped after {read} order(s): {exc.message}",
            calls=connector.calls,
            action="" if exc.retryable else "Check the channel's connection settings.",
        )
        # Orders read so far are in; the watermark only moves past what was read.
        ChannelSync.objects.filter(pk=sync.pk).update(orders_watermark=newest)
        return read
    finally:
        connector.close()
    ChannelSync.objects.filter(pk=sync.pk).update(orders_watermark=newest, last_pull_ok_at=started)
    release_capped(channel.pk)  # last units held back until this import may show again
    if read:
        sync_log(
            channel_id=channel.pk,
            kind=SyncKind.PULL,
            message=f"Polled {read} order(s) updated since {since:%Y-%m-%d %H:%M} UTC.",
            calls=connector.calls,
        )
    return read


def _map_lines(channel: Channel, remote: RemoteOrder) -> tuple[list[LineInput], list[str], list[str]]:
    """Our lines, the channel line id of each, and the reasons lines could not be mapped."""
    listings = list(
        Listing.objects.filter(channel=channel)
        .filter(external_sku__in=[line.sku for line in remote.lines if line.sku])
        .select_related("sku")
    ) + list(
        Listing.objects.filter(
            channel=channel, external_id__in=[line.product_id for line in remote.lines if line.product_id]
        ).select_related("sku")
    )
    by_sku = {listing.external_sku: listing for listing in listings}
    by_id = {listing.external_id: listing for listing in listings}
    lines, line_ids, problems = [], [], []
    for line in remote.lines:
        listing = by_sku.get(line.sku) if line.sku else None
        listing = listing or by_id.get(line.product_id)
        if listing is None:
            what = f"SKU {line.sku}" if line.sku else f"Product {line.product_id} (sent without a SKU)"
            problems.append(f"{what} is not listed on {channel.name}.")
            continue
        lines.append(LineInput(sku=listing.sku.code, quantity=line.quantity, unit_price=line.unit_price))
        line_ids.append(line.external_line_id)
    if not remote.lines:
        problems.append(f"The order has no line {channel.name} still wants shipped.")
    return lines, line_ids, problems


def channel_order_ingest(*, channel: Channel, remote: RemoteOrder, source: str) -> ChannelOrder:
    """Import (or hold, or cancel) one order as the channel describes it now; idempotent.

    Serialised per (channel, order) by a row lock on its ChannelOrder, so a webhook and a
    poll of the same order never import it twice; an older state than the one already seen
    is ignored (out-of-order delivery).
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                ChannelOrder.objects.get_or_create(
                    channel=channel,
                    external_id=remote.external_id,
                    defaults={"status": ChannelOrderStatus.HELD, "hold_reason": "Importing…", "data": remote.as_json()},
                )
        except IntegrityError:
            pass
        record = ChannelOrder.objects.select_for_update().get(channel=channel, external_id=remote.external_id)
        if record.remote_updated_at and remote.updated_at < record.remote_updated_at:
            return record  # an older state than we already have: out of order
        record.remote_updated_at = remote.updated_at
        record.data = remote.as_json()
        if remote.cancelled:
            _cancelled_on_channel(channel, record, source)
        elif record.order_id is None:
            _import_or_hold(channel, record, remote, source)
        record.save()
    return record


def _import_or_hold(channel: Channel, record: ChannelOrder, remote: RemoteOrder, source: str) -> None:
    lines, line_ids, problems = _map_lines(channel, remote)
    if not problems:
        data = OrderInput(
            external_id=remote.external_id,
            customer_name=remote.customer_name[:200],
            lines=tuple(lines),
            postal_code=remote.postal_code,
            country=remote.country or "US",
            line1=remote.line1[:200],
            line2=remote.line2[:200],
            city=remote.city[:100],
            region=remote.region[:100],
            customer_email=remote.customer_email if "@" in remote.customer_email else "",
            customer_phone=remote.customer_phone[:40],
            placed_at=remote.placed_at,
            currency=remote.currency,
            shipping_total=remote.shipping_total,
            tax_total=remote.tax_total,
        )
        try:
            with transaction.atomic():
                result = order_import(channel=channel, data=data, actor_label=f"{channel.name} ({source})")
        except DomainError as exc:
            problems.append(exc.message)
        else:
            record.order = result.order
            record.status = ChannelOrderStatus.IMPORTED
            record.hold_reason = ""
            record.data = {**record.data, "line_map": {str(n + 1): line_id for n, line_id in enumerate(line_ids)}}
            return
    reason = " ".join(problems)[:500]
    if record.status != ChannelOrderStatus.HELD or record.hold_reason != reason:
        sync_log(
            channel_id=channel.pk,
            kind=SyncKind.ORDER,
            level=SyncLevel.ERROR,
            message=f"Order {remote.name or remote.external_id} held: {reason}",
            action="List the SKU on the channel page (or fix the order's data), then import the held order again.",
            data={"external_id": remote.external_id},
        )
    record.status = ChannelOrderStatus.HELD
    record.hold_reason = reason


def _cancelled_on_channel(channel: Channel, record: ChannelOrder, source: str) -> None:

    record.status = ChannelOrderStatus.CANCELLED
    record.hold_reason = ""
    if record.order_id is None:
        return
    order = record.order
    assert order is not None
    if order.status in (OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        return
    try:
        order_cancel(
            order=order, actor=None, actor_label=f"{channel.name} ({source})", reason="Cancelled on the channel"
        )
    except DomainError as exc:
        sync_log(
            channel_id=channel.pk,
            kind=SyncKind.ORDER,
            level=SyncLevel.ERROR,
            message=f"{channel.name} cancelled order {record.external_id}, but we could not: {exc.message}",
            action=f"Open order {order.number} and stop its shipment by hand.",
        )


def channel_order_retry(*, record: ChannelOrder) -> ChannelOrder:
    """Import a held order again (after its listing was added or its data fixed) from what the channel has now."""
    channel = record.channel
    connector = connector_for(channel)
    try:
        remote = connector.get_order(record.external_id)
    finally:
        connector.close()
    ChannelOrder.objects.filter(pk=record.pk).update(remote_updated_at=None)
    return channel_order_ingest(channel=channel, remote=remote, source="retry")
