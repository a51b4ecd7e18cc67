"""A marketplace never gets back a last unit it already sold before that sale was imported."""

from __future__ import annotations

import pytest

from inventory.services import stock_receive
from marketplaces.models import Listing, StockOutbox
from marketplaces.services.orders import orders_poll, webhook_receive
from tests.factories.orders import place_order
from tests.marketplaces.conftest import push


@pytest.fixture
def webhooks_in_flight(settings):
    settings.CHANNELS_QUEUE_PUSHES = False  # each test runs the pusher itself
    settings.CHANNELS_WEBHOOK_GRACE_SECONDS = 60  # a webhook may still be on its way for a minute


def _outbox(channel, sku):
    return StockOutbox.objects.get(channel=channel, sku=sku)


def test_a_polled_channel_is_not_given_back_the_units_it_sold_before_the_poll(make_channel, dc, skus, settings):
    settings.CHANNELS_QUEUE_PUSHES = False
    web, _ = make_channel("shopify", skus=skus[:1])
    ebay, ebay_sandbox = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=6, actor=None)
    push(web), push(ebay)
    assert ebay_sandbox.quantity_of(skus[0].code) == 3

    assert ebay_sandbox.buy_shown(skus[0].code, 3) is not None  # sold on eBay, not polled yet: shows 0
    stock_receive(location=dc, sku=skus[0], quantity=2, actor=None)  # 8 by our ledger: eBay's share is 4
    report = push(ebay)

    # Pushing 4 would let eBay sell 4 more of the 5 units we really have left, while Shopify shows 3:
    # eBay keeps the 3 it was given (sold or not, we cannot tell yet), so nothing is sent.
    assert ebay_sandbox.quantity_of(skus[0].code) == 0
    assert report.calls == 0

    assert orders_poll(channel_id=ebay.pk) == 1  # the sale comes in: 5 left, Shopify still keeps its 3
    report = push(ebay)

    assert report.capped == 0
    assert ebay_sandbox.quantity_of(skus[0].code) == 2  # the 2 units nobody holds: 5 shown in all, 5 left
    assert Listing.objects.get(channel=ebay, sku=skus[0]).last_pushed_quantity == 2


def test_lowering_a_channel_is_never_held(make_channel, dc, skus, webhooks_in_flight):
    web, _ = make_channel("shopify", skus=skus[:1])
    ebay, ebay_sandbox = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=6, actor=None)
    push(web), push(ebay)
    assert ebay_sandbox.quantity_of(skus[0].code) == 3

    assert place_order(web, [(skus[0].code, 4)], external_id="W-1").created  # 2 left, Shopify sells them
    report = push(ebay)

    assert report.capped == 0
    assert ebay_sandbox.quantity_of(skus[0].code) == 0  # weights 5 to 1: eBay's share is 0, shown at once


def test_a_webhook_channel_shows_more_only_once_it_sold_what_it_was_given_and_that_is_imported(
    make_channel, dc, skus, webhooks_in_flight, settings, django_capture_on_commit_callbacks
):
    web, web_sandbox = make_channel("shopify", skus=skus[:1])
    ebay, _ = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=6, actor=None)
    push(web), push(ebay)
    assert web_sandbox.buy_shown(skus[0].code, 1) is not None  # Shopify shows 2; its webhook is on its way

    stock_receive(location=dc, sku=skus[0], quantity=2, actor=None)  # Shopify's share would be 4
    push(web)
    assert web_sandbox.quantity_of(skus[0].code) == 2  # held: the sale may still be in flight

    settings.CHANNELS_WEBHOOK_GRACE_SECONDS = 0  # every webhook sent before now has arrived

    def deliver() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            for hook in web_sandbox.take_webhooks():
                webhook_receive(channel=web, headers=hook.headers, body=hook.body)

    deliver()
    push(web)
    # Its sale is in, but it still shows 2 of the 3 it was given: a push of 4 would show again a sale
    # of the last seconds still on its way. It keeps them, and the 2 units received wait.
    assert web_sandbox.quantity_of(skus[0].code) == 2

    assert web_sandbox.buy_shown(skus[0].code, 2) is not None  # it sells them: shows 0, nothing to show again
    deliver()
    push(web)

    # 5 left by our ledger; eBay, never polled since its push, keeps its 3: Shopify gets the other 2.
    assert web_sandbox.quantity_of(skus[0].code) == 2


def test_plenty_of_stock_is_raised_at_once(make_channel, dc, skus, webhooks_in_flight):
    web, web_sandbox = make_channel("shopify", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=6, actor=None)
    push(web)
    stock_receive(location=dc, sku=skus[0], quantity=20, actor=None)  # 26: no longer the last units

    push(web)

    assert web_sandbox.quantity_of(skus[0].code) == 26


def test_units_a_channel_sold_before_its_import_are_not_split_again(
    make_channel, dc, skus, settings, django_capture_on_commit_callbacks
):
    settings.CHANNELS_QUEUE_PUSHES = False
    web, web_sandbox = make_channel("shopify", skus=skus[:1])
    ebay, ebay_sandbox = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=6, actor=None)
    push(web), push(ebay)
    settings.CHANNELS_WEBHOOK_GRACE_SECONDS = 0  # Shopify's webhooks arrive at once

    assert ebay_sandbox.buy_shown(skus[0].code, 3) is not None  # eBay sells its 3, not polled yet
    assert web_sandbox.buy_shown(skus[0].code, 2) is not None  # Shopify sells 2 of its 3; imported at once
    with django_capture_on_commit_callbacks(execute=True):
        for hook in web_sandbox.take_webhooks():
            webhook_receive(channel=web, headers=hook.headers, body=hook.body)
    push(ebay), push(web)

    # 4 left by our ledger, 1 really. Split afresh (Shopify sold more lately), eBay would be set back to 1
    # and Shopify to 3: it keeps the 3 it was given instead, and Shopify shows the one unit left.
    assert ebay_sandbox.quantity_of(skus[0].code) == 0
    assert web_sandbox.quantity_of(skus[0].code) == 1

    assert orders_poll(channel_id=ebay.pk) == 1  # eBay's sale comes in: 1 left, for both to split again
    push(ebay), push(web)

    assert ebay_sandbox.quantity_of(skus[0].code) + web_sandbox.quantity_of(skus[0].code) == 1


def test_a_channel_that_sits_on_its_last_units_gives_them_back_once_polled_after_the_keep_window(
    make_channel, dc, skus, settings, django_capture_on_commit_callbacks
):
    settings.CHANNELS_QUEUE_PUSHES = False
    web, web_sandbox = make_channel("shopify", skus=skus[:1])
    ebay, ebay_sandbox = make_channel("ebay", skus=skus[:1])
    stock_receive(location=dc, sku=skus[0], quantity=6, actor=None)
    push(web), push(ebay)
    settings.CHANNELS_WEBHOOK_GRACE_SECONDS = 0  # Shopify's webhooks arrive at once

    assert web_sandbox.buy_shown(skus[0].code, 2) is not None
    with django_capture_on_commit_callbacks(execute=True):
        for hook in web_sandbox.take_webhooks():
            webhook_receive(channel=web, headers=hook.headers, body=hook.body)
    push(ebay), push(web)
    assert (ebay_sandbox.quantity_of(skus[0].code), web_sandbox.quantity_of(skus[0].code)) == (3, 1)

    assert orders_poll(channel_id=ebay.pk) == 0  # eBay sold none of its 3: no stock changes, yet known now
    push(ebay), push(web)
    # It still shows its 3 and may be selling one right now: taking them back could show that sale again.
    assert ebay_sandbox.quantity_of(skus[0].code) == 3

    settings.CHANNELS_LAST_UNITS_KEEP_SECONDS = 0  # its push is old now: idle units go back into the split
    assert orders_poll(channel_id=ebay.pk) == 0  # its next import (the polling backstop's at the latest)
    push(ebay), push(web)

    # 4 left, split afresh: Shopify sold 2 lately (weight 3 to eBay's 1), so eBay gives 2 of its 3 back.
    assert ebay_sandbox.quantity_of(skus[0].code) == 1
    assert ebay_sandbox.quantity_of(skus[0].code) + web_sandbox.quantity_of(skus[0].code) <= 4
