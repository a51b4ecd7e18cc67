"""The stock change log: conflict-free writes, coalescing, claim tokens, and the pushes it must not miss."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from inventory.models import StockChange
from inventory.services import StockLine, location_update, stock_receive, stock_reserve
from inventory.services.stock import DocumentRef
from marketplaces.leases import lease_acquire, lease_release, lease_token
from marketplaces.models import Listing, PushState, StockOutbox
from marketplaces.outbox import _coalesce_portable, outbox_coalesce
from marketplaces.services.setup import channel_connection_update, listing_delete
from marketplaces.services.stock_sync import channel_push, channel_reconcile
from marketplaces.services.stock_sync.claims import claim_rows, mark_applied
from tests.factories import LocationFactory, SKUFactory
from tests.factories.channels import sandbox_channel, sandbox_credentials
from tests.marketplaces.conftest import push

# --- 1. Concurrent orders never wait on each other through the outbox ------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_split_orders_reserving_crossing_skus_at_four_locations_do_not_deadlock(settings):
    settings.MARKETPLACE_SANDBOX = True
    settings.CHANNELS_QUEUE_PUSHES = False
    sku_a: Any = SKUFactory(code="SPLIT-A")
    sku_b: Any = SKUFactory(code="SPLIT-B")
    locations: list[Any] = [LocationFactory(code=f"split-l{n}") for n in range(1, 5)]
    for location in locations:
        for sku in (sku_a, sku_b):
            stock_receive(location=location, sku=sku, quantity=5, actor=None)
    sandbox_channel("shopify", skus=[sku_a, sku_b])  # both SKUs listed: every reservation wakes the channel
    StockChange.objects.all().delete()  # the receipts above
    l1, l2, l3, l4 = locations
    both_hold_their_first_line = threading.Barrier(2)
    results: list[Any] = [None, None]

    def order(index: int, first: tuple[Any, Any], second: tuple[Any, Any]) -> None:
        try:
            with transaction.atomic():
                for step, (location, sku) in enumerate((first, second)):
                    stock_reserve(
                        location=location,
                        lines=[StockLine(sku.pk, 1)],
                        actor=None,
                        document=DocumentRef("order", f"split-{index}"),
                    )
                    if step == 0:  # both orders now hold an uncommitted change of the SKU the other needs next
                        both_hold_their_first_line.wait(timeout=10)
                        time.sleep(0.2)
            results[index] = "placed"
        except BaseException as exc:  # reported back to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=order, args=(0, (l1, sku_a), (l2, sku_b))),
        threading.Thread(target=order, args=(1, (l3, sku_b), (l4, sku_a))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results == ["placed", "placed"]
    assert StockChange.objects.filter(sku_id__in=[sku_a.pk, sku_b.pk]).count() == 4  # one row per change


def _coalesce(path: str) -> list[int]:
    """`outbox_coalesce`, or its ORM path (what the embedded SQLite database runs), here on PostgreSQL."""
    if path == "orm":
        with transaction.atomic():
            _taken, channels = _coalesce_portable(1000)
        return sorted(set(channels))
    return outbox_coalesce()


@pytest.mark.parametrize("path", ["sql", "orm"])
def test_a_committed_change_becomes_a_pending_push_of_the_new_value(make_channel, dc, skus, path):
    channel, sandbox = make_channel("ebay", skus=skus[:1])
    push(channel)  # the listing's first push: the channel now shows 0

    stock_receive(location=dc, sku=skus[0], quantity=7, actor=None)
    assert not StockOutbox.objects.filter(channel=channel, state=PushState.PENDING).exists()  # only logged so far

    assert _coalesce(path) == [channel.pk]
    stock_receive(location=dc, sku=skus[0], quantity=1, actor=None)  # a second change while the first waits
    assert _coalesce(path) == [channel.pk]
    row = StockOutbox.objects.get(channel=channel, sku=skus[0])
    assert row.state == PushState.PENDING and not row.force and row.attempts == 0
    assert not StockChange.objects.exists()
    push(channel)
    assert sandbox.quantity_of(skus[0].code) == 8


def test_a_rolled_back_change_logs_nothing_and_pushes_nothing(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay", skus=skus[:1])
    push(channel)
    with pytest.raises(RuntimeError), transaction.atomic():
        stock_receive(location=dc, sku=skus[0], quantity=5, actor=None)
        raise RuntimeError("the order fails after the reservation")

    assert not StockChange.objects.exists()
    assert outbox_coalesce() == []
    assert not StockOutbox.objects.filter(channel=channel).exclude(state=PushState.APPLIED).exists()
    assert push(channel).pushed == 0
    assert sandbox.quantity_of(skus[0].code) == 0


def test_an_unlisted_sku_is_in_the_feed_but_no_channel_gets_a_push(dc, skus):
    stock_receive(location=dc, sku=skus[0], quantity=5, actor=None)
    assert StockChange.objects.filter(location_id=dc.pk, sku_id=skus[0].pk).count() == 1  # inventory logs every change

    assert outbox_coalesce() == []
    assert not StockOutbox.objects.exists()
    assert not StockChange.objects.exists()  # consumed: nobody lists it


# --- 2. Shopify applies a value seen before ------------------------------------------------------


def test_shopify_applies_a_quantity_it_was_sent_before(make_channel, dc, skus):
    channel, sandbox = make_channel("shopify", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=5, actor=None)
    push(channel)
    shown = []
    for n, delta in enumerate([-1, +1, -1]):  # 5 → 4 → 5 → 4
        if delta < 0:
            stock_reserve(
                location=dc, lines=[StockLine(skus[0].pk, 1)], actor=None, document=DocumentRef("order", f"r{n}")
            )
        else:
            stock_receive(location=dc, sku=skus[0], quantity=1, actor=None)
        push(channel)
        shown.append(sandbox.quantity_of(skus[0].code))
    assert shown == [4, 5, 4]


# --- 3. A stale pusher cannot mark rows another pusher took over --------------------------------


def test_a_stale_pushers_mark_after_a_take_over_changes_nothing(make_channel, dc, skus, settings):
    from datetime import timedelta

    from django.utils import timezone

    channel, _ = make_channel("ebay", skus=skus[:1])
    StockOutbox.objects.filter(channel=channel).update(state=PushState.PENDING, next_attempt_at=timezone.now())
    stale = claim_rows(channel.pk, 10, timezone.now())
    # The first pusher stalls past its lease; another takes the rows over and pushes 9.
    StockOutbox.objects.filter(channel=channel).update(claimed_at=timezone.now() - timedelta(hours=1))
    current = claim_rows(channel.pk, 10, timezone.now())
    assert [row.pk for row in current] == [row.pk for row in stale]
    assert current[0].claim_token != stale[0].claim_token

    mark_applied(stale, {skus[0].pk: 3})  # the stale pusher finishes late
    row = StockOutbox.objects.get(pk=stale[0].pk)
    assert row.state == PushState.IN_FLIGHT and row.quantity is None

    mark_applied(current, {skus[0].pk: 9})
    row.refresh_from_db()
    assert row.state == PushState.APPLIED and row.quantity == 9


def test_a_pusher_releases_only_its_own_lease():
    key = f"channels:test-lease:{lease_token()}"
    first, second = lease_token(), lease_token()
    assert lease_acquire(key, first, seconds=60)
    assert not lease_acquire(key, second, seconds=60)
    assert not lease_release(key, second)  # not the holder: the lease stays
    assert not lease_acquire(key, second, seconds=60)
    assert lease_release(key, first)
    assert lease_acquire(key, second, seconds=60)
    assert lease_release(key, second)


# --- 4. Changes of available-to-sell without a stock movement -----------------------------------


def test_deactivating_a_location_pushes_its_stock_off_the_channels(make_channel, dc, skus, other_store):
    channel, sandbox = make_channel("woocommerce", skus=skus[:2])
    for sku in skus[:2]:
        stock_receive(location=dc, sku=sku, quantity=6, actor=None)
        stock_receive(location=other_store, sku=sku, quantity=4, actor=None)
    push(channel)
    assert [sandbox.quantity_of(sku.code) for sku in skus[:2]] == [10, 10]

    location_update(location=other_store, is_active=False)
    push(channel)
    assert [sandbox.quantity_of(sku.code) for sku in skus[:2]] == [6, 6]

    location_update(location=other_store, name="Renamed store")  # not a feeding change: nothing logged
    assert not StockChange.objects.exists()
    location_update(location=other_store, is_active=True)
    push(channel)
    assert [sandbox.quantity_of(sku.code) for sku in skus[:2]] == [10, 10]


def test_a_deleted_listing_shows_0_on_the_channel_before_it_is_forgotten(make_channel, dc, skus):
    channel, sandbox = make_channel("amazon", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=8, actor=None)
    push(channel)
    listing = Listing.objects.get(channel=channel, sku=skus[0])

    listing_delete(listing=listing)
    assert Listing.objects.filter(pk=listing.pk, removing=True).exists()  # kept until 0 is shown
    push(channel)

    assert sandbox.quantity_of(skus[0].code) == 0
    assert not Listing.objects.filter(pk=listing.pk).exists()
    assert not StockOutbox.objects.filter(channel=channel, sku=skus[0]).exists()


def test_turning_stock_sync_back_on_pushes_what_changed_meanwhile(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay", skus=skus[:2])
    push(channel)
    credentials = sandbox_credentials("ebay", sandbox)
    channel_connection_update(
        channel=channel, base_url=channel.sync.base_url, credentials=credentials, sync_stock=False
    )
    stock_receive(location=dc, sku=skus[0], quantity=12, actor=None)  # not logged: sync is off
    assert push(channel).pushed == 0

    channel_connection_update(channel=channel, base_url=channel.sync.base_url, credentials=credentials, sync_stock=True)
    push(channel)
    assert sandbox.quantity_of(skus[0].code) == 12


def test_reconciliation_checks_failed_pushes_again(make_channel, dc, skus):
    channel, sandbox = make_channel("woocommerce", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=3, actor=None)
    push(channel)
    # The last push failed (the product was trashed, since restored), and someone typed 99 in WP admin.
    StockOutbox.objects.filter(channel=channel).update(state=PushState.FAILED, last_error="product trashed")
    listing = Listing.objects.get(channel=channel, sku=skus[0])
    Listing.objects.filter(pk=listing.pk).update(last_pushed_at="2000-01-01T00:00:00Z")
    sandbox.stock_write(listing.external_id, 99)

    assert channel_reconcile(channel_id=channel.pk) == 1
    push(channel)
    assert sandbox.quantity_of(skus[0].code) == 3
    assert StockOutbox.objects.get(channel=channel, sku=skus[0]).state == PushState.APPLIED


def test_the_push_task_coalesces_the_log_first(make_channel, dc, skus):
    channel, sandbox = make_channel("woocommerce", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=4, actor=None)
    assert StockChange.objects.exists()
    channel_push(channel_id=channel.pk, max_wait=30)
    assert not StockChange.objects.exists()
    assert sandbox.quantity_of(skus[0].code) == 4
