"""Shipments, cancellations and refunds told back to the channel, through an outbox.

A `ChannelConfirmation` row is the promise to tell the channel; a worker keeps it until the
channel accepts (`confirmations_push`), with backoff on failures and a clear error when the
channel refuses for good. Rows are written
- for shipments: when `fulfillment.signals.shipment_shipped` arrives (after commit), and by
  the sweep (`confirmations_sweep`, beat) for any shipped shipment still without one, so a
  crash between the commit and the signal loses nothing. A shipment packed into several boxes
  is confirmed once with every labelled box's tracking number (a voided label is not sent);
- for cancellations of our orders (not those the channel cancelled itself): by the sweep;
- for refunds: by `refund_request`, which the returns app calls.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ValidationFailed
from core.queueing import queue_or_leave_to_beat
from fulfillment.models import Package, PackageStatus, Shipment, ShipmentStatus
from fulfillment.scanning import ScanMatcher
from marketplaces.connectors import AuthExpired, ConnectorError, ShipmentLine, connector_for
from marketplaces.connectors.base import parse_time
from marketplaces.models import (
    CONNECTOR_KINDS,
    ChannelConfirmation,
    ChannelOrder,
    ChannelOrderStatus,
    ConfirmationKind,
    PushState,
    SyncKind,
    SyncLevel,
)
from marketplaces.services.log import credentials_expired_record, sync_log
from marketplaces.services.stock_sync import backoff_seconds
from marketplaces.tasks import confirmations_push_task
from orders.models import Order, OrderStatus

logger = logging.getLogger(__name__)


def _record(*, order: Order, kind: str, dedupe_key: str, payload: dict[str, Any]) -> ChannelConfirmation | None:
    try:
        with transaction.atomic():
            return ChannelConfirmation.objects.create(
                channel_id=order.channel_id,
                order=order,
                kind=kind,
                dedupe_key=dedupe_key,
                payload=payload,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None  # already recorded


def _channel_order(order: Order) -> ChannelOrder | None:
    record = ChannelOrder.objects.filter(order=order).select_related("channel").first()
    if record is None or record.channel.kind not in CONNECTOR_KINDS:
        return None
    return record


def shipment_confirmation_record(*, shipment_id: int) -> ChannelConfirmation | None:
    """Owe the channel a shipment confirmation with tracking for a shipped shipment of one of its orders.

    The payload carries every labelled box's tracking number in box order (`tracking_numbers`),
    each box as a parcel (number, carrier, service and, when its scans say so, the order lines in
    it), and the first number as `tracking_number` too. A shipment with no labelled box (a label
    bought outside, a built-in flow) is confirmed with its own tracking number.
    """

    shipment = (
        Shipment.objects.select_related("order")
        .prefetch_related("lines__order_line", "lines__sku", "packages")
        .get(pk=shipment_id)
    )
    record = _channel_order(shipment.order)
    if record is None:
        return None
    line_map = (record.data or {}).get("line_map") or {}
    lines = []
    for shipment_line in shipment.lines.all():
        external = line_map.get(str(shipment_line.order_line.line_number))
        if external:
            lines.append({"external_line_id": external, "quantity": shipment_line.quantity})
    boxes = sorted(
        (p for p in shipment.packages.all() if p.status == PackageStatus.LABELLED and p.tracking_number),
        key=lambda p: p.box_number,
    )
    contents = _box_contents(shipment, boxes, line_map, lines)
    parcels = [
        {
            "tracking_number": box.tracking_number,
            "carrier": box.carrier or shipment.carrier,
            "service": box.service or shipment.service,
            "lines": content,
        }
        for box, content in zip(boxes, contents, strict=True)
    ]
    numbers = [box.tracking_number for box in boxes] or ([shipment.tracking_number] if shipment.tracking_number else [])
    payload = {
        "external_id": record.external_id,
        "lines": lines,
        "carrier": shipment.carrier or (boxes[0].carrier if boxes else ""),
        "tracking_number": numbers[0] if numbers else "",
        "tracking_numbers": numbers,
        "parcels": parcels,
        "shipped_at": (shipment.shipped_at or timezone.now()).isoformat(),
    }
    confirmation = _record(
        order=shipment.order, kind=ConfirmationKind.SHIP, dedupe_key=f"ship:{shipment.pk}", payload=payload
    )
    if confirmation is not None:
        _queue_push()
    return confirmation


def _box_contents(
    shipment: Shipment, boxes: list[Package], line_map: dict[str, str], lines: list[dict[str, Any]]
) -> list[list[dict[str, Any]]]:
    """The channel lines scanned into each box, or empty lists when the scans cannot say (a box
    without scans, a code that is no line, boxes that do not add up to the shipment): the
    connectors then spread the units over the boxes themselves."""
    unknown: list[list[dict[str, Any]]] = [[] for _ in boxes]
    matcher = ScanMatcher((line.sku, line) for line in shipment.lines.all())
    contents: list[list[dict[str, Any]]] = []
    for box in boxes:
        scans = matcher.partition(box.scanned or [])
        if scans.unknown or not scans.matched:
            return unknown
        counts: Counter[str] = Counter()
        for _code, line in scans.matched:
            external = line_map.get(str(line.order_line.line_number))
            if external:
                counts[external] += 1
        if not counts:
            return unknown
        contents.append([{"external_line_id": e, "quantity": q} for e, q in counts.items()])
    total: Counter[str] = Counter()
    for content in contents:
        for entry in content:
            total[entry["external_line_id"]] += entry["quantity"]
    if total != Counter({line["external_line_id"]: line["quantity"] for line in lines}):
        return unknown
    return contents


def refund_request(
    *, order: Order, amount: Decimal, reason: str, dedupe_key: str, lines: list[tuple[int, int]] | None = None
) -> ChannelConfirmation | None:
    """Owe the channel a refund of `amount` on `order` (for the returns app); idempotent per `dedupe_key`.

    `lines` are (our order line number, quantity) when the refund is for returned units.
    Returns None when the order did not come from a marketplace channel (nothing to tell).
    Call it inside the transaction that records the refund: the row commits with it.
    """
    if amount <= 0:
        raise ValidationFailed("A refund must be more than zero.", field="amount")
    record = _channel_order(order)
    if record is None:
        return None
    line_map = (record.data or {}).get("line_map") or {}
    payload = {
        "external_id": record.external_id,
        "amount": str(amount),
        "currency": order.currency,
        "reason": reason[:200],
        "lines": [
            {"external_line_id": line_map[str(n)], "quantity": q} for n, q in (lines or []) if str(n) in line_map
        ],
    }
    confirmation = _record(
        order=order, kind=ConfirmationKind.REFUND, dedupe_key=f"refund:{dedupe_key}"[:120], payload=payload
    )
    transaction.on_commit(_queue_push)
    return confirmation


def confirmations_sweep(*, days: int = 7) -> int:
    """Record confirmations owed but missing: shipped shipments and orders we cancelled; returns how many."""

    since = timezone.now() - timedelta(days=days)
    created = 0
    known = set(
        ChannelConfirmation.objects.filter(created_at__gte=since - timedelta(days=1)).values_list(
            "dedupe_key", flat=True
        )
    )
    shipped = Shipment.objects.filter(
        status__in=[ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED],
        shipped_at__gte=since,
        order__channel_order__status=ChannelOrderStatus.IMPORTED,
    ).values_list("pk", flat=True)
    for shipment_id in shipped:
        if f"ship:{shipment_id}" not in known and shipment_confirmation_record(shipment_id=shipment_id):
            created += 1
    cancelled = ChannelOrder.objects.filter(
        status=ChannelOrderStatus.IMPORTED,
        order__status=OrderStatus.CANCELLED,
        order__updated_at__gte=since,
        channel__kind__in=CONNECTOR_KINDS,
    ).select_related("order")
    for record in cancelled:
        assert record.order is not None
        if f"cancel:{record.order_id}" in known:
            continue
        if _record(
            order=record.order,
            kind=ConfirmationKind.CANCEL,
            dedupe_key=f"cancel:{record.order_id}",
            payload={"external_id": record.external_id, "reason": "Cancelled by the merchant"},
        ):
            created += 1
    return created


def _queue_push() -> None:
    queue_or_leave_to_beat(confirmations_push_task)


def _shipment_lines(raw: Any) -> list[ShipmentLine]:
    return [ShipmentLine(str(line["external_line_id"]), int(line["quantity"])) for line in raw or []]


def _tracking_numbers(payload: dict[str, Any]) -> list[str]:
    """Every tracking number of a ship confirmation; a row queued before boxes had their own
    labels has only `tracking_number`."""
    numbers = [str(number) for number in payload.get("tracking_numbers") or [] if number]
    if not numbers and payload.get("tracking_number"):
        numbers = [str(payload["tracking_number"])]
    return numbers


def confirmations_push(*, limit: int = 200) -> int:
    """Send due confirmations to their channels; returns how many the channels accepted."""
    now = timezone.now()
    due = list(
        ChannelConfirmation.objects.filter(state=PushState.PENDING, next_attempt_at__lte=now)
        .select_related("channel", "channel__sync", "order")
        .order_by("next_attempt_at")[:limit]
    )
    done = 0
    for confirmation in due:
        channel = confirmation.channel
        if not channel.is_active or channel.sync.credential_status == "expired":
            continue
        payload = confirmation.payload
        lines = _shipment_lines(payload.get("lines"))
        numbers = _tracking_numbers(payload) if confirmation.kind == ConfirmationKind.SHIP else []
        connector = connector_for(channel)
        try:
            if confirmation.kind == ConfirmationKind.SHIP:
                remote_id = connector.confirm_shipment(
                    payload["external_id"],
                    lines,
                    carrier=payload.get("carrier", ""),
                    tracking_number=payload.get("tracking_number", ""),
                    tracking_numbers=numbers,
                    shipped_at=parse_time(payload.get("shipped_at")),
                    parcel_lines=[_shipment_lines(parcel.get("lines")) for parcel in payload.get("parcels") or []],
                )
            elif confirmation.kind == ConfirmationKind.CANCEL:
                remote_id = connector.cancel_order(payload["external_id"], reason=payload.get("reason", ""))
            else:
                remote_id = connector.refund_create(
                    payload["external_id"],
                    amount=Decimal(payload["amount"]),
                    currency=payload.get("currency", "USD"),
                    reason=payload.get("reason", ""),
                    lines=lines,
                )
        except AuthExpired as exc:
            credentials_expired_record(channel=channel, message=exc.message)
            continue
        except ConnectorError as exc:
            attempts = confirmation.attempts + 1
            if exc.retryable:
                ChannelConfirmation.objects.filter(pk=confirmation.pk).update(
                    attempts=attempts,
                    last_error=exc.message[:500],
                    next_attempt_at=now + timedelta(seconds=exc.retry_after or backoff_seconds(attempts)),
                )
            else:
                ChannelConfirmation.objects.filter(pk=confirmation.pk).update(
                    attempts=attempts, last_error=exc.message[:500], state=PushState.FAILED
                )
                sync_log(
                    channel_id=channel.pk,
                    kind=SyncKind.CONFIRM,
                    level=SyncLevel.ERROR,
                    message=f"{confirmation.get_kind_display()} of order {confirmation.order.number} refused: "
                    f"{exc.message}",
                    action="Do it on the marketplace by hand; the order in the back office is already up to date.",
                )
            continue
        finally:
            connector.close()
        ChannelConfirmation.objects.filter(pk=confirmation.pk).update(
            state=PushState.APPLIED,
            applied_at=timezone.now(),
            remote_id=str(remote_id)[:100],
            last_error="",
            attempts=confirmation.attempts + 1,
        )
        sync_log(
            channel_id=channel.pk,
            kind=SyncKind.CONFIRM,
            message=f"{confirmation.get_kind_display()} of order {confirmation.order.number} confirmed to "
            f"{channel.name}" + (f" (tracking {', '.join(numbers)})." if numbers else "."),
            calls=connector.calls,
        )
        done += 1
    return done
