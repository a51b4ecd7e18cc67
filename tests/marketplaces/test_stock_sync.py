"""Stock reaches every marketplace sandbox: the outbox, coalescing, batching, throttling, failures."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.db import transaction

from inventory.models import StockChange
from inventory.services import StockLine, stock_adjust, stock_receive, stock_reserve
from inventory.services.stock import DocumentRef
from marketplaces.availability import channel_available
from marketplaces.models import ChannelSync, CredentialStatus, PushState, StockOutbox, SyncEvent
from marketplaces.outbox import outbox_coalesce
from marketplaces.services.setup import channel_policy_update, stock_override_set
from tests.marketplaces.conftest import push

KINDS = ["shopify", "amazon", "ebay", "woocommerce"]


@pytest.mark.parametrize("kind", KINDS)
def test_stock_received_reaches_the_marketplace(kind, make_channel, dc, skus):
    channel, sandbox = make_channel(kind)
    for n, sku in enumerate(skus):
        stock_receive(location=dc, sku=sku, quantity=10 + n, actor=None)

    report = push(channel)

    assert report.pushed == len(skus)
    assert [sandbox.quantity_of(sku.code) for sku in skus] == [10, 11, 12, 13, 14]
    assert set(StockOutbox.objects.filter(channel=channel).values_list("state", flat=True)) == {PushState.APPLIED}
    channel.sync.refresh_from_db()
    assert channel.sync.last_push_ok_at is not None


def test_a_rolled_back_stock_change_leaves_no_pending_push(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay")
    push(channel)  # the listings' first push: every outbox row applied
    before = list(StockOutbox.objects.filter(channel=channel).order_by("pk").values_list("state", "generation"))
    assert {state for state, _ in before} == {PushState.APPLIED}

    with pytest.raises(RuntimeError), transaction.atomic():
        stock_receive(location=dc, sku=skus[0], quantity=5, actor=None)
        raise RuntimeError("the caller fails after the receipt")

    outbox_coalesce()
    assert list(StockOutbox.objects.filter(channel=channel).order_by("pk").values_list("state", "generation")) == before
    assert push(channel).pushed == 0 and sandbox.quantity_of(skus[0].code) == 0


def test_many_changes_to_one_sku_become_one_call_with_the_latest_value(make_channel, dc, skus):
    channel, sandbox = make_channel("amazon", skus=skus[:1])
    push(channel)  # the listing's initial push
    calls_before = sandbox.count_calls("patchListingsItem")
    stock_receive(location=dc, sku=skus[0], quantity=50, actor=None)
    for n in range(20):
        stock_reserve(location=dc, lines=[StockLine(skus[0].pk, 1)], actor=None, document=DocumentRef("order", str(n)))
    assert StockChange.objects.filter(sku_id=skus[0].pk).count() == 21  # one log row per change
    outbox_coalesce()
    row = StockOutbox.objects.get(channel=channel, sku=skus[0])
    assert row.state == PushState.PENDING and not StockChange.objects.exists()  # 21 changes, one pending push

    push(channel)

    assert sandbox.count_calls("patchListingsItem") - calls_before == 1
    assert sandbox.quantity_of(skus[0].code) == 30


def test_batches_carry_many_skus_per_call(make_channel, dc, skus):
    channel, sandbox = make_channel("woocommerce")
    push(channel)
    before = sandbox.count_calls("products")
    for sku in skus:
        stock_receive(location=dc, sku=sku, quantity=3, actor=None)
    push(channel)
    assert sandbox.count_calls("products") - before == 1  # five SKUs, one products/batch call


def test_policy_buffer_percentage_maximum_and_overrides(make_channel, dc, skus, other_store):
    channel, sandbox = make_channel("shopify")
    for sku in skus[:3]:
        stock_receive(location=dc, sku=sku, quantity=100, actor=None)
        stock_receive(location=other_store, sku=sku, quantity=40, actor=None)
    channel_policy_update(channel=channel, feeding_locations=[dc], buffer=10, percentage=50, maximum=None)
    stock_override_set(channel=channel, sku=skus[1], buffer=None, maximum=20, blocked=False)
    stock_override_set(channel=channel, sku=skus[2], buffer=None, maximum=None, blocked=True)

    push(channel)

    # The store does not feed the channel: (100 - 10) * 50% = 45; capped at 20; blocked 0.
    assert [sandbox.quantity_of(sku.code) for sku in skus[:3]] == [45, 20, 0]
    assert channel_available(channel.sync, [skus[0].pk]) == {skus[0].pk: 45}


def test_safety_stock_changes_are_pushed(make_channel, dc, skus):
    from inventory.services import stock_set_safety_stock

    channel, sandbox = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=10, actor=None)
    push(channel)
    stock_set_safety_stock(location=dc, sku=skus[0], safety_stock=4, actor=None)
    push(channel)
    assert sandbox.quantity_of(skus[0].code) == 6


def test_amazon_throttling_is_obeyed_from_its_rate_limit_header(make_channel, dc, skus):
    channel, sandbox = make_channel("amazon")
    sandbox.set_plan("patchListingsItem", 4.0, 1.0)  # this seller's plan: 4 per second, no burst
    for sku in skus:
        stock_receive(location=dc, sku=sku, quantity=7, actor=None)

    push(channel)

    patches = [c for c in sandbox.calls if c.op == "patchListingsItem"]
    refused = [c for c in patches if c.status == 429]
    # Our bucket starts at Amazon's default plan (5/s, burst 5); after the first answer it follows
    # x-amzn-RateLimit-Limit, so at most the opening burst meets a 429, and each 429 is retried.
    assert len(refused) <= 2
    assert [sandbox.quantity_of(sku.code) for sku in skus] == [7] * 5
    accepted = [c.at for c in patches if c.status == 200]
    gaps = [b - a for a, b in itertools.pairwise(accepted[1:])]
    assert min(gaps) >= 0.2  # spaced at the plan's rate once learned


def test_shopify_throttled_answer_waits_for_the_restore_rate(make_channel, dc, skus):
    channel, sandbox = make_channel("shopify", skus=skus[:1])
    sandbox.set_limits(maximum_available=12, restore_rate=20)
    stock_receive(location=dc, sku=skus[0], quantity=4, actor=None)
    push(channel)
    stock_receive(location=dc, sku=skus[0], quantity=1, actor=None)
    push(channel)  # the bucket holds 12 points, a mutation costs 10: the second one is throttled first

    throttled = [c for c in sandbox.calls if c.status == 200 and c.op == "graphql"]
    assert sandbox.quantity_of(skus[0].code) == 5
    assert ChannelSync.objects.get(channel=channel).throttle_count >= 1
    assert len(throttled) >= 3


@pytest.mark.parametrize("kind", ["ebay", "woocommerce"])
def test_partial_failure_retries_only_the_failed_items(kind, make_channel, dc, skus):
    channel, sandbox = make_channel(kind)
    push(channel)
    sandbox.item_failures[skus[2].code] = 1
    for sku in skus:
        stock_receive(location=dc, sku=sku, quantity=9, actor=None)

    report = push(channel)

    states = dict(StockOutbox.objects.filter(channel=channel).values_list("sku__code", "state"))
    assert report.pushed == 4 and report.retrying == 1
    assert states[skus[2].code] == PushState.PENDING
    assert sandbox.quantity_of(skus[2].code) == 0
    StockOutbox.objects.filter(channel=channel).update(next_attempt_at="2000-01-01T00:00:00Z")
    report = push(channel)
    assert report.pushed == 1 and report.calls == 1  # only the failed SKU is sent again, in one call
    assert [sandbox.quantity_of(sku.code) for sku in skus] == [9] * 5


def test_a_sku_the_marketplace_does_not_know_fails_with_a_reason(make_channel, dc, skus):
    from marketplaces.services.setup import listing_create
    from tests.factories import SKUFactory

    channel, _sandbox = make_channel("amazon", skus=[])
    ghost: Any = SKUFactory(code="AB-12")
    listing_create(channel=channel, sku=ghost)
    stock_receive(location=dc, sku=ghost, quantity=3, actor=None)

    push(channel)

    row = StockOutbox.objects.get(channel=channel, sku=ghost)
    assert row.state == PushState.FAILED
    assert "AB-12" in row.last_error and "does not match any listing" in row.last_error
    event = SyncEvent.objects.filter(channel=channel, level="error").first()
    assert event is not None and "failed" in event.message and event.action


def test_expired_credentials_stop_the_sync_and_lose_nothing(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay")
    push(channel)
    sandbox.revoked = True
    stock_adjust(location=dc, sku=skus[0], delta=5, reason_code="found", actor=None)

    push(channel)
    calls = sandbox.count_calls()
    push(channel)

    sync = ChannelSync.objects.get(channel=channel)
    assert sync.credential_status == CredentialStatus.EXPIRED and "credentials" in sync.credential_error
    assert sandbox.count_calls() == calls  # stopped hammering
    assert StockOutbox.objects.get(channel=channel, sku=skus[0]).state == PushState.PENDING

    # New credentials resume the sync with nothing lost.
    from marketplaces.services.setup import channel_connection_update
    from tests.factories.channels import sandbox_credentials

    sandbox.revoked = False
    channel_connection_update(channel=channel, base_url=sync.base_url, credentials=sandbox_credentials("ebay", sandbox))
    StockOutbox.objects.filter(channel=channel).update(next_attempt_at="2000-01-01T00:00:00Z")
    push(channel)
    assert sandbox.quantity_of(skus[0].code) == 5
