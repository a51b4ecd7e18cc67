"""Writes of the analytics app: rewriting days of facts, the incremental refresh and the backfill."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Min, QuerySet
from django.utils import timezone

from analytics.facts import day_facts
from analytics.models import DailyFact, RefreshMark
from fulfillment.models import Pickup, Shipment
from orders.models import Order, OrderEvent

REFRESH = "daily_facts"
#: Changes are read again this far back: a transaction that started before the last run may
#: commit rows stamped before it, after it read.
OVERLAP = timedelta(minutes=10)


@dataclass(frozen=True)
class RefreshResult:
    days: list[date]
    rows: int


def facts_rewrite_days(*, days: Iterable[date]) -> int:
    """Recompute the given days from the orders and replace their fact rows; returns rows written.

    Each day is replaced in its own transaction, so readers see a day's old rows or its new
    ones, never a mix, and a long backfill does not hold one transaction open.
    """
    written = 0
    for day in sorted(set(days)):
        facts = day_facts(day)
        with transaction.atomic():
            DailyFact.objects.filter(day=day).delete()
            DailyFact.objects.bulk_create(
                [
                    DailyFact(day=day, channel_id=channel, location_id=location, **row.as_fields())
                    for (channel, location), row in facts.items()
                ]
            )
        written += len(facts)
    return written


def _placed_days(orders: QuerySet[Order]) -> set[date]:
    zone = timezone.get_current_timezone()
    return {timezone.localtime(placed, zone).date() for placed in orders.values_list("placed_at", flat=True)}


def touched_days(*, since: datetime) -> set[date]:
    """The days (placed) of every order that changed since `since`: the order row, its timeline,
    a shipment or a pickup of it (shipments and pickups that change without a timeline entry)."""
    order_ids = (
        set(Order.objects.filter(updated_at__gt=since).values_list("pk", flat=True))
        | set(OrderEvent.objects.filter(created_at__gt=since).values_list("order_id", flat=True))
        | set(Shipment.objects.filter(updated_at__gt=since).values_list("order_id", flat=True))
        | set(Pickup.objects.filter(updated_at__gt=since).values_list("order_id", flat=True))
    )
    if not order_ids:
        return set()
    return _placed_days(Order.objects.filter(pk__in=order_ids))


def facts_refresh(*, now: datetime | None = None) -> RefreshResult:
    """Rewrite only the days whose orders changed since the last run (beat, every few minutes).

    The first run (no mark yet) builds every day from the first order, so a new installation's
    dashboard fills in by itself. The mark row is locked for the run, so two workers never
    refresh at once; the second waits and then finds little or nothing left to do.
    """
    now = now or timezone.now()
    with transaction.atomic():
        mark, _created = RefreshMark.objects.select_for_update().get_or_create(name=REFRESH)
        if mark.changes_until is None:
            built = facts_backfill()
            days, rows = built.days, built.rows
        else:
            days = sorted(touched_days(since=mark.changes_until - OVERLAP))
            rows = facts_rewrite_days(days=days)
        mark.changes_until = now
        mark.days_refreshed = len(days)
        mark.ran_at = timezone.now()
        mark.save()
    return RefreshResult(days=days, rows=rows)


def facts_backfill(*, start: date | None = None, end: date | None = None) -> RefreshResult:
    """Rewrite every day from `start` (default: the first order) to `end` (default: today)."""
    end = end or timezone.localdate()
    if start is None:
        first = Order.objects.aggregate(first=Min("placed_at"))["first"]
        if first is None:
            return RefreshResult(days=[], rows=0)
        start = timezone.localtime(first).date()
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    return RefreshResult(days=days, rows=facts_rewrite_days(days=days))
