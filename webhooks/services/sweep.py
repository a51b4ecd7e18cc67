"""The beat sweep: everything the broker was supposed to wake up, done again from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from webhooks.services.delivery import deliveries_requeue
from webhooks.services.outbox import events_publish_all


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did: deliveries written by publishing, deliveries queued again."""

    published: int
    requeued: int


def webhooks_sweep(*, now: datetime | None = None) -> SweepReport:
    """Collect pending stock changes, publish unpublished events, and queue due or orphaned deliveries.

    So a publication whose task was lost, a retry that came due, and a delivery whose worker died
    mid-send all go out within one sweep interval of being due, Redis or no Redis in between.
    """
    published = events_publish_all()
    requeued = deliveries_requeue(now=now or timezone.now())
    return SweepReport(published=published, requeued=len(requeued))
