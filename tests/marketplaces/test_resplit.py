"""A channel whose last-unit share drops because another channel's kept units were released is told at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F

from inventory.services import stock_receive
from marketplaces.models import Listing
from marketplaces.services.orders import orders_poll
from tests.factories.orders import place_order
from tests.marketplaces.conftest import push


@pytest.mark.parametrize(
    ("keep_seconds", "pushed_ago"),
    [(0, timedelta(0)), (15 * 60, timedelta(minutes=20))],  # the window passed at once, or after a long one
)
def test_woocommerce_is_set_to_0_at_once_when_ebays_kept_units_are_released(
    make_channel, dc, skus, settings, keep_seconds, pushed_ago
):
    settings.CHANNELS_QUEUE_PUSHES = False  # the test runs the pushers itself
    settings.CHANNELS_WEBHOOK_GRACE_SECONDS = 0  # WooCommerce's orders are known imported at once
    woo, woo_sandbox = make_channel("woocommerce", skus=skus[:1])
    ebay, ebay_sandbox = make_channel("ebay", skus=skus[:1])
    shop, _ = make_channel("shopify", skus=[])  # sells the SKU without sharing its last units
    code = skus[0].code
    stock_receive(location=dc, sku=skus[0], quantity=6, actor=None)
    push(woo), push(ebay)
    assert ebay_sandbox.buy_shown(code, 3) is not None
    assert orders_poll(channel_id=ebay.pk) == 1  # eBay sells the SKU: it weighs 4 to WooCommerce's 1
    assert place_order(shop, [(code, 2)], external_id="S-1").created  # 1 left, eBay's
    push(ebay), push(woo)
    assert (ebay_sandbox.quantity_of(code), woo_sandbox.quantity_of(code)) == (1, 0)

    stock_receive(location=dc, sku=skus[0], quantity=1, actor=None)  # 2: eBay, not polled since, keeps its 1
    push(woo), push(ebay)
    assert (ebay_sandbox.quantity_of(code), woo_sandbox.quantity_of(code)) == (1, 1)

    # eBay's poll finds no new order (it reads its one sale again): no stock changed, but once the pushes
    # are older than the keep window eBay takes part in the split again and, selling four times as much,
    # is given both units. WooCommerce must stop selling its one at once, not at the SKU's next stock change.
    settings.CHANNELS_LAST_UNITS_KEEP_SECONDS = keep_seconds
    Listing.objects.filter(sku=skus[0]).update(last_pushed_at=F("last_pushed_at") - pushed_ago)
    orders_poll(channel_id=ebay.pk)
    push(woo)

    assert woo_sandbox.quantity_of(code) == 0
