"""The incremental refresh rewrites only the days whose orders changed; the backfill command rebuilds a range."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from analytics.facts import day_bounds
from analytics.models import DailyFact, RefreshMark
from analytics.services import REFRESH, facts_refresh
from analytics.tasks import facts_refresh_task
from fulfillment.models import Shipment
from fulfillment.services import order_cancel
from orders.models import Order, OrderEvent
from tests.factories import stocked
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db


def placed_days_ago(order: Any, days: int) -> Any:
    """Move an order's placement back (a bulk update: it does not count as a change)."""
    start, _ = day_bounds(timezone.localdate() - timedelta(days=days))
    Order.objects.filter(pk=order.pk).update(placed_at=start + timedelta(hours=12))
    return order


def test_a_change_rewrites_its_own_day_and_leaves_the_others_alone(web: Any, warehouse: Any, tee: Any) -> None:
    stocked(warehouse, tee, 10)
    placed_days_ago(place_order(web, [("TEE-BLK-M", 1)], external_id="old").order, 5)
    recent = placed_days_ago(place_order(web, [("TEE-BLK-M", 1)], external_id="recent").order, 1)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Order.objects.update(updated_at=an_hour_ago)  # everything so far happened an hour ago
    OrderEvent.objects.update(created_at=an_hour_ago)
    Shipment.objects.update(updated_at=an_hour_ago)
    call_command("analytics_backfill", since=(timezone.localdate() - timedelta(days=6)).isoformat())
    RefreshMark.objects.update_or_create(
        name=REFRESH, defaults={"changes_until": timezone.now() - timedelta(minutes=30)}
    )
    old_day = DailyFact.objects.get(day=timezone.localdate() - timedelta(days=5), location=None)
    stamp = old_day.refreshed_at

    assert facts_refresh().days == []  # nothing changed since the last run

    order_cancel(order=recent, actor=None, reason="customer changed their mind")
    result = facts_refresh()

    assert result.days == [timezone.localdate() - timedelta(days=1)]
    assert DailyFact.objects.get(pk=old_day.pk).refreshed_at == stamp  # the old day was not touched
    rewritten = DailyFact.objects.get(day=timezone.localdate() - timedelta(days=1), location=None)
    assert rewritten.orders == 1 and rewritten.costed_orders == 0


def test_the_first_run_builds_every_day_and_the_task_reports_days(web: Any, warehouse: Any, tee: Any) -> None:
    stocked(warehouse, tee, 10)
    placed_days_ago(place_order(web, [("TEE-BLK-M", 1)], external_id="last-week").order, 7)
    place_order(web, [("TEE-BLK-M", 2)], external_id="today")

    assert facts_refresh_task() == 8  # from the first order's day to today
    assert DailyFact.objects.get(day=timezone.localdate(), location=None).orders == 1
    assert DailyFact.objects.get(day=timezone.localdate() - timedelta(days=7), location=None).orders == 1
    assert RefreshMark.objects.get(name=REFRESH).days_refreshed == 8
    assert facts_refresh_task() == 2  # then only what changed lately: both orders were placed within minutes


def test_the_backfill_command_refuses_a_range_backwards(db: Any) -> None:
    with pytest.raises(CommandError, match="swap them"):
        call_command("analytics_backfill", since="2026-03-10", until="2026-03-01")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("analytics_backfill", since="10/03/2026")
