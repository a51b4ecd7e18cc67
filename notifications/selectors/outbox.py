"""Reads of the outbox: a row with everything its email needs, rows due, rows stuck, an order's emails."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from fulfillment.models import TrackingEvent
from notifications.models import Notification, NotificationState
from orders.models import Order, OrderLine


def notification_for_send(notification_id: int) -> Notification:
    """A row with its order, lines, shipment (boxes, items, scans newest first), pickup and refund loaded."""
    return (
        Notification.objects.select_related(
            "order",
            "order__channel",
            "order__pickup_location",
            "channel",
            "shipment",
            "pickup",
            "pickup__location",
            "refund",
            "refund__rma",
            "requested_by",
        )
        .prefetch_related(
            Prefetch("order__lines", queryset=OrderLine.objects.select_related("sku").order_by("line_number")),
            "shipment__packages",
            "shipment__lines__sku",
            Prefetch("shipment__tracking_events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-id")),
            "refund__rma__lines__sku",
        )
        .get(pk=notification_id)
    )


def notifications_due(*, now: datetime, limit: int) -> list[str]:
    """The keys of rows waiting to be sent or to be tried again whose time has come, oldest first."""
    return list(
        Notification.objects.filter(
            state__in=[NotificationState.PENDING, NotificationState.FAILED], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("dedupe_key", flat=True)[:limit]
    )


def notifications_owed_between(*, since: datetime, until: datetime, limit: int) -> list[str]:
    """The keys of rows waiting for their first send whose time fell in [since, until), oldest first."""
    return list(
        Notification.objects.filter(
            state=NotificationState.PENDING, next_attempt_at__gte=since, next_attempt_at__lt=until
        )
        .order_by("next_attempt_at", "pk")
        .values_list("dedupe_key", flat=True)[:limit]
    )


def notifications_stuck_sending(*, claimed_before: datetime, limit: int) -> QuerySet[Notification]:
    """Rows a worker claimed before `claimed_before` and never finished (it died mid-send)."""
    return (
        Notification.objects.filter(state=NotificationState.SENDING, claimed_at__lt=claimed_before)
        .select_related("order")
        .order_by("pk")[:limit]
    )


def order_notifications(order: Order) -> QuerySet[Notification]:
    """Every email owed, sent or skipped for one order, newest first, with who asked for resends."""
    return (
        Notification.objects.filter(order=order)
        .select_related("shipment", "requested_by", "resend_of")
        .order_by("-created_at", "-id")
    )


def notifications_needing_attention(*, limit: int = 50) -> QuerySet[Notification]:
    """Emails that failed for good or are still retrying, newest first (the index page's list)."""
    return (
        Notification.objects.filter(state__in=[NotificationState.FAILED, NotificationState.GAVE_UP])
        .select_related("order", "channel")
        .order_by("-created_at", "-id")[:limit]
    )
