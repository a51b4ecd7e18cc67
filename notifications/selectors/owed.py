"""Events that owe the customer an email and have no outbox row yet (what the beat sweeps record).

Each query looks back from `since` only: the signals record almost everything as it happens, so
the sweeps only catch what a process dying between a commit and its signal left behind, and the
shipments that became late. Nothing before the app was installed (`notifications_started_at`)
is ever owed: installing it must not email every customer about last month's orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Exists, F, OuterRef, Q

from fulfillment.models import OPEN_SHIPMENT_STATUSES, Package, PackageStatus, Shipment, ShipmentStatus
from fulfillment.selectors.exceptions import DELIVERY_PROBLEM_STATUSES
from notifications.models import Notification, NotificationKind
from orders.models import DeliveryMethod, Order, OrderEvent, OrderEventKind, OrderStatus
from returns.models import Refund, RefundStatus

#: The kinds that tell of a cancellation: an order gets one of them per cancellation.
CANCELLATION_KINDS = (
    NotificationKind.CANCELLED,
    NotificationKind.PARTIALLY_CANCELLED,
    NotificationKind.PICKUP_EXPIRED,
)


def notifications_started_at() -> datetime | None:
    """When this app's tables were made (its first migration applied); None before that."""
    recorder = MigrationRecorder(connection)
    applied: datetime | None = (
        recorder.migration_qs.filter(app="notifications", name="0001_initial").values_list("applied", flat=True).first()
    )
    return applied


def orders_owed_confirmation(*, since: datetime, limit: int, until: datetime | None = None) -> list[int]:
    """Orders created since `since` (and before `until`, when given) without a confirmation row, oldest first."""
    confirmed = Notification.objects.filter(order=OuterRef("pk"), kind=NotificationKind.ORDER_CONFIRMATION)
    created = Order.objects.filter(created_at__gte=since)
    if until is not None:
        created = created.filter(created_at__lt=until)
    return list(created.filter(~Exists(confirmed)).order_by("pk").values_list("pk", flat=True)[:limit])


def shipments_owed_shipped(*, since: datetime, limit: int) -> list[int]:
    """Shipments shipped since `since` and still on their way (not pickups handed over) without a shipped row.

    Only shipped ones (by the status index): a parcel both shipped and delivered between two sweeps
    without its save being seen is not worth reading every delivered shipment each minute.
    """
    told = Notification.objects.filter(shipment=OuterRef("pk"), kind=NotificationKind.SHIPPED)
    return list(
        Shipment.objects.filter(
            status=ShipmentStatus.SHIPPED, shipped_at__gte=since, order__delivery_method=DeliveryMethod.SHIP
        )
        .filter(~Exists(told))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def orders_owed_cancellation(*, since: datetime, limit: int) -> list[int]:
    """Orders cancelled (wholly or the rest) since `since` without a cancellation row (read from the timeline)."""
    told = Notification.objects.filter(order=OuterRef("order_id"), kind__in=CANCELLATION_KINDS)
    return list(
        OrderEvent.objects.filter(kind=OrderEventKind.CANCELLED, created_at__gte=since)
        .filter(~Exists(told))
        .order_by("order_id")
        .values_list("order_id", flat=True)
        .distinct()[:limit]
    )


def refunds_owed_email(*, since: datetime, limit: int) -> list[int]:
    """Refunds issued (sent to the channel or executed) since `since` without a refund row."""
    told = Notification.objects.filter(refund=OuterRef("pk"), kind=NotificationKind.REFUND_ISSUED)
    return list(
        Refund.objects.filter(status__in=[RefundStatus.SENT, RefundStatus.EXECUTED], updated_at__gte=since)
        .filter(~Exists(told))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


@dataclass(frozen=True)
class AtRisk:
    """A shipment whose delivery promise is at risk, and why (`late_estimate`, `carrier_problem`, `past_promise`)."""

    shipment_id: int
    cause: str


def shipments_at_risk(*, placed_since: datetime, today: date, limit: int) -> list[AtRisk]:
    """Shipments of open delivery orders (created since `placed_since`) newly at risk of missing the promise.

    At risk: its estimated delivery is after the order's promised date; a carrier reported an
    exception or a return to sender on one of its boxes; or the promised date has passed and it
    is not delivered. Shipments already told about are left out.
    """
    told = Notification.objects.filter(shipment=OuterRef("pk"), kind=NotificationKind.DELAYED)
    problem = Exists(
        Package.objects.filter(
            shipment=OuterRef("pk"), status=PackageStatus.LABELLED, tracking_status__in=DELIVERY_PROBLEM_STATUSES
        )
    )
    late_estimate = Q(estimated_delivery__gt=F("order__promised_delivery_date"))
    past_promise = Q(order__promised_delivery_date__lt=today)
    rows = (
        Shipment.objects.filter(
            status__in=[*OPEN_SHIPMENT_STATUSES, ShipmentStatus.SHIPPED],
            order__delivery_method=DeliveryMethod.SHIP,
            order__created_at__gte=placed_since,
        )
        .exclude(order__status__in=[OrderStatus.CANCELLED, OrderStatus.DELIVERED])
        .filter(~Exists(told))
        .annotate(has_problem=problem)
        .filter(Q(has_problem=True) | late_estimate | past_promise)
        .order_by("pk")
        .values_list("pk", "has_problem", "estimated_delivery", "order__promised_delivery_date")[:limit]
    )
    found = []
    for shipment_id, has_problem, estimated, promised in rows:
        if has_problem:
            cause = "carrier_problem"
        elif estimated and promised and estimated > promised:
            cause = "late_estimate"
        else:
            cause = "past_promise"
        found.append(AtRisk(shipment_id=shipment_id, cause=cause))
    return found
