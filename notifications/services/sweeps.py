"""The beat sweeps: catch up on events whose signal was lost, find late shipments, re-drive the outbox.

Nothing here can send an email twice: recording goes through the unique event key, and sending
through the claim (see `records` and `sending`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from core.queueing import queue_or_leave_to_beat
from core.sweeps import sweep_each
from notifications.selectors import (
    notifications_due,
    notifications_started_at,
    orders_owed_cancellation,
    orders_owed_confirmation,
    refunds_owed_email,
    shipments_at_risk,
    shipments_owed_shipped,
)
from notifications.services.records import (
    notifications_enabled,
    order_cancellation_record,
    order_confirmation_record,
    refund_issued_record,
    shipment_delay_record,
    shipment_shipped_record,
)
from notifications.services.sending import notifications_stuck_give_up
from notifications.tasks import notification_send_task

#: How far back the catch-up looks: an email hours late still helps; one about last week confuses.
CATCH_UP_WINDOW = timedelta(hours=6)
#: Orders older than this are not watched for delays any more.
DELAY_WATCH_DAYS = 60
BATCH = 200


def _since(now: datetime, window: timedelta) -> datetime:
    started = notifications_started_at()
    since = now - window
    return max(since, started) if started else since


def _record_each(ids: list[int], record: Callable[[int], bool], what: str) -> int:
    return len(sweep_each(ids, record, failure=f"Could not record the {what} email of %s."))


@dataclass(frozen=True)
class CatchUp:
    """How many owed emails a catch-up recorded, per kind of event."""

    confirmations: int
    shipped: int
    cancellations: int
    refunds: int


def notifications_catch_up(*, now: datetime | None = None) -> CatchUp:
    """Record the emails owed for events of the last hours that have no row (their signal was lost)."""
    if not notifications_enabled():
        return CatchUp(0, 0, 0, 0)
    since = _since(now or timezone.now(), CATCH_UP_WINDOW)
    return CatchUp(
        confirmations=_record_each(
            orders_owed_confirmation(since=since, limit=BATCH),
            lambda pk: order_confirmation_record(order_id=pk),
            "confirmation",
        ),
        shipped=_record_each(
            shipments_owed_shipped(since=since, limit=BATCH),
            lambda pk: shipment_shipped_record(shipment_id=pk),
            "shipped",
        ),
        cancellations=_record_each(
            orders_owed_cancellation(since=since, limit=BATCH),
            lambda pk: order_cancellation_record(order_id=pk),
            "cancellation",
        ),
        refunds=_record_each(
            refunds_owed_email(since=since, limit=BATCH),
            lambda pk: refund_issued_record(refund_id=pk),
            "refund",
        ),
    )


def shipment_delays_detect(*, now: datetime | None = None) -> list[int]:
    """Owe a delay email for each shipment newly at risk of missing its promise; returns their ids."""
    if not notifications_enabled():
        return []
    now = now or timezone.now()
    found = shipments_at_risk(
        placed_since=_since(now, timedelta(days=DELAY_WATCH_DAYS)), today=timezone.localdate(now), limit=BATCH
    )
    done = sweep_each(
        found,
        lambda risk: shipment_delay_record(shipment_id=risk.shipment_id, cause=risk.cause),
        failure="Could not record the delay email of %s.",
    )
    return [risk.shipment_id for risk in done]


def notifications_redrive(*, now: datetime | None = None) -> tuple[int, int]:
    """Queue due rows again (their task was lost with a worker or Redis) and give up rows stuck sending.

    Returns (queued, given up).
    """
    if not notifications_enabled():
        return 0, 0
    due = notifications_due(now=now or timezone.now(), limit=BATCH)
    for key in due:
        queue_or_leave_to_beat(notification_send_task, key=key)
    return len(due), len(notifications_stuck_give_up(limit=BATCH))
