"""Every channel's available-to-sell in the statements of one: what an import, the priority lane and
the SKU page ask for all the channels of a SKU at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.services import stock_receive
from marketplaces.availability import channel_available, channels_available
from marketplaces.last_units import shared_skus
from marketplaces.listing_reads import ListingReads
from marketplaces.models import ChannelSync, Listing, PushState, StockOutbox
from marketplaces.outbox import outbox_coalesce, outbox_prioritise
from marketplaces.services.setup import channel_policy_update, stock_override_set
from marketplaces.services.stock_sync import channel_push
from marketplaces.services.stock_sync.resplit import after_import
from tests.factories import LocationFactory
from tests.factories.orders import place_order
from tests.marketplaces.conftest import push

KINDS = ("shopify", "ebay", "woocommerce", "amazon")


@pytest.fixture(autouse=True)
def _pushes_by_hand(settings):
    settings.CHANNELS_QUEUE_PUSHES = False
    settings.CHANNELS_PRIORITY_LANE = True


def low_stock_channels(make_channel: Any, dc: Any, skus: list[Any], count: int, units: int = 8) -> list[Any]:
    """`count` channels listing every SKU, `units` of each in stock (their last units, split), all pushed."""
    channels = [make_channel(kind)[0] for kind in KINDS[:count]]
    for sku in skus:
        stock_receive(location=dc, sku=sku, quantity=units, actor=None)
    for channel in channels:
        push(channel)
    ChannelSync.objects.update(push_max_wait=30.0)  # an ordinary change waits for its batch
    return channels


def test_every_channel_at_once_gets_what_it_gets_asked_alone(make_channel, dc, skus, django_assert_num_queries):
    store: Any = LocationFactory(code="store-2", name="Store 2", postal_code="10002")
    stock_receive(location=store, sku=skus[2], quantity=30, actor=None)
    channels = low_stock_channels(make_channel, dc, skus, 4)
    for n in range(3):  # eBay sells the first SKU: it weighs more in its last units' split
        assert place_order(channels[1], [(skus[0].code, 1)], external_id=f"E-{n}").created
    channel_policy_update(channel=channels[2], feeding_locations=[store], buffer=0, percentage=100, maximum=None)
    channel_policy_update(channel=channels[3], feeding_locations=[dc, store], buffer=2, percentage=50, maximum=None)
    stock_override_set(channel=channels[0], sku=skus[1], buffer=None, maximum=1, blocked=False)
    stock_override_set(channel=channels[3], sku=skus[3], buffer=None, maximum=None, blocked=True)
    syncs = [channel.sync for channel in channels]
    sku_ids = [sku.pk for sku in skus]
    alone = {sync.channel_id: channel_available(sync, sku_ids) for sync in syncs}

    # The feeding locations, ATP once per set of them (every shipping location; the store; both),
    # the overrides, then the last-unit split: who else lists the SKUs, their sales, what they keep.
    with django_assert_num_queries(9):
        together = channels_available([(sync, sku_ids) for sync in syncs])

    assert together == alone
    shop, ebay, woo, amazon = (together[channel.pk] for channel in channels)
    assert ebay[skus[0].pk] > shop[skus[0].pk]  # the seller of the SKU has more of its last units
    assert shop[skus[1].pk] == 1  # its override's maximum
    assert woo[skus[2].pk] == 30 and woo[skus[0].pk] == 0  # the store alone feeds it
    assert amazon[skus[3].pk] == 0  # blocked there
    assert amazon[skus[2].pk] == (38 - 2) // 2  # both locations, less its buffer, half


@pytest.mark.parametrize("count", [2, 4])
def test_the_release_after_an_import_reads_the_same_statements_for_two_channels_as_for_four(
    make_channel, dc, skus, count, django_assert_num_queries
):
    channels = low_stock_channels(make_channel, dc, skus, count)

    # The SKUs it was pushed lately and what the others show of them, then every other channel's
    # available-to-sell at once: nothing to lower, so nothing written.
    with django_assert_num_queries(12):
        assert after_import(channels[0].pk) == 0


@pytest.mark.parametrize("count", [2, 4])
def test_a_sale_of_the_last_units_reaches_every_channels_priority_lane_in_the_same_statements(
    make_channel, dc, skus, count, settings, django_assert_num_queries
):
    channels = low_stock_channels(make_channel, dc, skus, count, units=4)
    assert place_order(channels[0], [(skus[0].code, 4)], external_id="ALL").created  # none left
    settings.CHANNELS_PRIORITY_LANE = False
    outbox_coalesce()  # the change reaches every channel's outbox, waiting for its batch
    settings.CHANNELS_PRIORITY_LANE = True

    with django_assert_num_queries(14):  # the lane's reads, then one write for every channel's rows
        assert outbox_prioritise([channel.pk for channel in channels]) == count

    rows = StockOutbox.objects.filter(sku=skus[0])
    assert rows.count() == count and {row.state for row in rows} == {PushState.PENDING}
    for channel in channels:  # each channel's push to 0 is due at once, not held for a fuller batch
        assert channel_push(channel_id=channel.pk, hold=True).pushed == 1, channel.kind
    assert all(listing.last_pushed_quantity == 0 for listing in skus[0].listings.all())


@pytest.mark.parametrize("count", [2, 4])
def test_the_sku_page_reads_every_channels_availability_in_the_same_statements(
    client, admin_user, make_channel, dc, skus, count, django_assert_num_queries
):
    client.force_login(admin_user)
    low_stock_channels(make_channel, dc, skus, count)
    url = reverse("channels:sku_availability", args=[skus[0].code])

    with django_assert_num_queries(12):
        page = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    shown = [int(part.split("<", 1)[0]) for part in page.split('data-figure="available">')[1:]]
    assert len(shown) == count and sum(shown) == 8  # the last 8 units split, never shown twice


def test_a_push_of_last_units_splits_them_once(make_channel, dc, skus):
    shop, ebay = low_stock_channels(make_channel, dc, skus[:1], 2)
    assert place_order(shop, [(skus[0].code, 2)], external_id="S-1").created  # 6 left, split again
    outbox_coalesce()

    with CaptureQueriesContext(connection) as pushed:
        report = channel_push(channel_id=ebay.pk)

    # eBay was given 4 of the 8 and its own sales may not be imported yet: it keeps showing them.
    assert (report.capped, report.calls) == (1, 0)
    assert Listing.objects.get(channel=ebay, sku=skus[0]).last_pushed_quantity == 4
    # What eBay may show and what it keeps of those last units come from one read of the split
    # (its sales, then what each channel keeps), not one for the quantity and one for the cap.
    recent_sales = [q["sql"] for q in pushed.captured_queries if 'SUM("orders_orderline"."quantity")' in q["sql"]]
    assert len(recent_sales) == 1
    # Who lists the SKU is read once for the quantity (the unheard estimate and the split share it)
    # and once for the cap (which SKUs are shared, then what eBay keeps), not once per question.
    reads = [q["sql"] for q in pushed.captured_queries if q["sql"].startswith('SELECT "channels_listing"."channel_id"')]
    assert len(reads) == 2


def test_reads_made_for_other_skus_are_not_taken_for_these(make_channel, dc, skus):
    shop, _ebay = low_stock_channels(make_channel, dc, skus[:2], 2)
    other_skus = ListingReads([skus[1].pk])
    other_skus.listings()

    # Both channels list the first SKU: it is shared, though the reads handed over never saw it.
    assert shared_skus(shop.sync, [skus[0].pk], [], reads=other_skus) == {skus[0].pk}
    assert ListingReads.covering(other_skus, [skus[1].pk]) is other_skus
