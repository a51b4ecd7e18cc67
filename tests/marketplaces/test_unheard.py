"""Sales a marketplace probably made that we have not imported yet are held back from every channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.services import stock_receive
from marketplaces.availability import channel_available
from marketplaces.models import ChannelSync, PushState, StockOutbox
from marketplaces.selectors import listing_rows
from marketplaces.services.stock_sync.caps import release_capped
from marketplaces.unheard import unheard_sales
from tests.factories.orders import place_order
from tests.marketplaces.conftest import push


@pytest.fixture(autouse=True)
def _paced_only(settings):
    """The estimate on, at its default look-back (the test settings turn it off), and the channel's
    pace alone unless a test says otherwise (the default doubles it)."""
    settings.CHANNELS_UNHEARD_LOOKBACK_SECONDS = 300.0
    settings.CHANNELS_UNHEARD_MARGIN = 1.0


def _polled(channel, seconds_ago: float) -> None:
    """The channel's last successful order poll began `seconds_ago`."""
    ChannelSync.objects.filter(channel=channel).update(last_pull_ok_at=timezone.now() - timedelta(seconds=seconds_ago))


def _sold(channel, sku, units: int, seconds_ago: float, number: int) -> None:
    placed = timezone.now() - timedelta(seconds=seconds_ago)
    assert place_order(channel, [(sku.code, units)], external_id=f"S-{number}", placed_at=placed).created


def test_a_polled_channels_pace_since_its_last_poll_is_held_back_from_every_channel(
    make_channel, dc, skus, django_assert_num_queries
):
    shop, shop_sandbox = make_channel("shopify", skus=skus[:1])
    ebay, _ = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=50, actor=None)
    # eBay sold 4 units in the 5 s before its last poll, which began 5 s ago: about as many are
    # probably sold since and waiting for the next poll.
    _sold(ebay, skus[0], 3, seconds_ago=9, number=1)
    _sold(ebay, skus[0], 1, seconds_ago=6, number=2)
    _polled(ebay, seconds_ago=5)

    with django_assert_num_queries(3):  # every SKU, as each import asks: one row per channel, not per listing
        assert unheard_sales(None) == {skus[0].pk: 4}
    assert channel_available(shop.sync, [skus[0].pk]) == {skus[0].pk: 50 - 4 - 4}
    assert channel_available(ebay.sync, [skus[0].pk]) == {skus[0].pk: 42}
    push(shop)
    assert shop_sandbox.quantity_of(skus[0].code) == 42

    _polled(ebay, seconds_ago=0)  # a poll that found nothing new: the estimate is gone
    assert channel_available(shop.sync, [skus[0].pk]) == {skus[0].pk: 46}


def test_the_pace_is_measured_over_five_seconds_at_least(make_channel, dc, skus):
    make_channel("shopify", skus=skus[:2])
    ebay, _ = make_channel("ebay", skus=skus[:2])
    # One order of 2, a moment before a poll that began a tenth of a second ago: 2 units in 5 s,
    # so for a tenth of a second nothing is held back.
    _sold(ebay, skus[0], 2, seconds_ago=0.2, number=1)
    _polled(ebay, seconds_ago=0.1)
    assert unheard_sales([skus[0].pk]) == {}

    # 3 units in the 5 s before a poll 2 s ago: 1.2 units since.
    _sold(ebay, skus[1], 3, seconds_ago=2.5, number=2)
    _polled(ebay, seconds_ago=2)
    assert unheard_sales([skus[1].pk]) == {skus[1].pk: 1}


def test_sales_older_than_the_blind_window_or_of_other_skus_hold_nothing_back(make_channel, dc, skus):
    shop, _ = make_channel("shopify", skus=skus[:2])
    ebay, _ = make_channel("ebay", skus=skus[:2])
    stock_receive(location=dc, sku=skus[0], quantity=50, actor=None)
    stock_receive(location=dc, sku=skus[1], quantity=50, actor=None)
    _sold(ebay, skus[0], 5, seconds_ago=30, number=1)  # long before the look-back
    _sold(ebay, skus[1], 2, seconds_ago=7, number=2)  # within it: the other SKU's pace only
    _polled(ebay, seconds_ago=5)

    assert channel_available(shop.sync, [skus[0].pk, skus[1].pk]) == {skus[0].pk: 45, skus[1].pk: 46}


def test_a_webhook_channels_orders_that_arrived_stand_for_its_blind_window(make_channel, dc, skus):
    shop, _ = make_channel("shopify", skus=skus[:1])
    ebay, _ = make_channel("ebay", skus=skus[:1])
    _polled(ebay, seconds_ago=0)
    stock_receive(location=dc, sku=skus[0], quantity=50, actor=None)
    # Shopify's orders are only known imported up to its webhook grace ago (5 s), but as many
    # arrived since as it sold in the 5 s before: none is missing.
    _sold(shop, skus[0], 2, seconds_ago=7, number=1)
    _sold(shop, skus[0], 2, seconds_ago=1, number=2)
    assert unheard_sales([skus[0].pk]) == {}
    assert channel_available(ebay.sync, [skus[0].pk]) == {skus[0].pk: 46}

    # A burst before the grace and little since: the difference is probably still on its way.
    _sold(shop, skus[0], 3, seconds_ago=6, number=3)
    assert unheard_sales([skus[0].pk]) == {skus[0].pk: 3}
    assert channel_available(ebay.sync, [skus[0].pk]) == {skus[0].pk: 43 - 3}


def test_a_stalled_channel_holds_back_at_most_the_lookback_of_its_pace(make_channel, dc, skus, settings):
    settings.CHANNELS_UNHEARD_LOOKBACK_SECONDS = 300
    shop, _ = make_channel("shopify", skus=skus[:1])
    ebay, _ = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=50, actor=None)
    _polled(ebay, seconds_ago=3600)  # its intake has failed for an hour
    _sold(ebay, skus[0], 4, seconds_ago=3600 + 200, number=1)  # in the 5 minutes before the last poll
    _sold(ebay, skus[0], 6, seconds_ago=3600 + 900, number=2)  # before them: not in the look-back

    assert unheard_sales([skus[0].pk]) == {skus[0].pk: 4}
    assert channel_available(shop.sync, [skus[0].pk]) == {skus[0].pk: 50 - 10 - 4}

    settings.CHANNELS_UNHEARD_LOOKBACK_SECONDS = 0  # the estimate turned off
    assert channel_available(shop.sync, [skus[0].pk]) == {skus[0].pk: 40}


def test_the_estimate_never_takes_a_channel_below_zero(make_channel, dc, skus):
    shop, _ = make_channel("shopify", skus=skus[:1])
    ebay, _ = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=8, actor=None)
    _sold(ebay, skus[0], 5, seconds_ago=7, number=1)
    _polled(ebay, seconds_ago=5)

    assert channel_available(shop.sync, [skus[0].pk]) == {skus[0].pk: 0}


def test_the_safety_margin_holds_back_a_multiple_of_the_pace_rounded_up(make_channel, dc, skus, settings):
    settings.CHANNELS_UNHEARD_MARGIN = 1.5
    shop, _ = make_channel("shopify", skus=skus[:1])
    ebay, _ = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=50, actor=None)
    _sold(ebay, skus[0], 3, seconds_ago=7, number=1)
    _polled(ebay, seconds_ago=5)

    assert unheard_sales([skus[0].pk]) == {skus[0].pk: 5}  # 4.5 rounded up
    assert channel_available(shop.sync, [skus[0].pk]) == {skus[0].pk: 42}


def test_an_import_makes_due_at_once_a_channel_the_estimate_took_to_its_last_units(make_channel, dc, skus, settings):
    settings.CHANNELS_QUEUE_PUSHES = False  # the test runs the pushers itself
    shop, shop_sandbox = make_channel("shopify", skus=skus[:1])
    ebay, _ = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=16, actor=None)
    _sold(ebay, skus[0], 4, seconds_ago=7, number=1)
    _polled(ebay, seconds_ago=0)
    push(shop), push(ebay)
    assert shop_sandbox.quantity_of(skus[0].code) == 12  # above the last-unit threshold: all of it

    # Five seconds on, eBay has probably sold 4 more: 8 left to split, 5 to 1 for eBay, which sells
    # it. No stock changed, so only an import (here Shopify's, of nothing) tells Shopify to go to 1.
    _polled(ebay, seconds_ago=5)
    assert release_capped(shop.pk) == 0
    row = StockOutbox.objects.get(channel=shop, sku=skus[0])
    assert row.state == PushState.PENDING
    push(shop)
    assert shop_sandbox.quantity_of(skus[0].code) == 1


def test_the_channel_and_sku_pages_say_how_many_units_are_held_back(
    client, admin_user, make_channel, dc, skus, django_assert_num_queries
):
    client.force_login(admin_user)
    shop, _ = make_channel("shopify", skus=skus[:2])
    ebay, _ = make_channel("ebay", skus=skus[:2])
    for sku in skus[:2]:
        stock_receive(location=dc, sku=sku, quantity=50, actor=None)
    _sold(ebay, skus[0], 4, seconds_ago=7, number=1)
    _polled(ebay, seconds_ago=5)

    page = client.get(reverse("channels:detail", args=[shop.code])).content.decode()
    held_row = page[page.index(f'data-sku="{skus[0].code}"') : page.index(f'data-sku="{skus[1].code}"')]
    assert 'data-figure="available">42<' in held_row and "4 held back, probably sold" in held_row
    assert page.count("held back, probably sold") == 1  # the other SKU sold nothing lately
    partial = client.get(reverse("channels:sku_availability", args=[skus[0].code]), HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert text.count('data-figure="available">42<') == 2 and text.count("4 held back, probably sold") == 2

    # The estimate is read once for the whole list, however many SKUs it holds.
    with django_assert_num_queries(10):
        rows = listing_rows(channel=shop)
    assert [(row["available"], row["held"]) for row in rows] == [(42, 4), (50, 0)]
