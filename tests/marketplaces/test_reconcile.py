"""Eventual consistency: marketplaces show writes late; reconciliation reads back and fixes real drift."""

from __future__ import annotations

import time

from inventory.services import stock_receive
from marketplaces.models import ChannelSync, PushState, StockOutbox, SyncEvent
from marketplaces.services.stock_sync import channel_reconcile
from tests.marketplaces.conftest import push


def test_a_late_write_is_not_drift_and_becomes_visible(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay", skus=skus[:2])
    sandbox.visibility_delay = 0.4
    stock_receive(location=dc, sku=skus[0], quantity=8, actor=None)
    push(channel)
    assert sandbox.quantity_of(skus[0].code) == 0  # written, not visible yet
    assert channel_reconcile(channel_id=channel.pk) == 0  # pushed moments ago: not drift
    time.sleep(0.5)
    assert sandbox.quantity_of(skus[0].code) == 8  # eventually consistent


def test_reconciliation_corrects_drift_made_on_the_marketplace(make_channel, dc, skus):
    channel, sandbox = make_channel("woocommerce")
    for sku in skus:
        stock_receive(location=dc, sku=sku, quantity=5, actor=None)
    push(channel)
    sandbox.stock_write(sandbox.add_product(skus[3].code)["product_id"], 99)  # someone edited it in WP admin
    from marketplaces.models import Listing

    Listing.objects.filter(channel=channel).update(last_pushed_at="2000-01-01T00:00:00Z")

    assert channel_reconcile(channel_id=channel.pk) == 1
    sync = ChannelSync.objects.get(channel=channel)
    assert sync.drift_found == 1 and sync.last_reconcile_at is not None
    assert StockOutbox.objects.get(channel=channel, sku=skus[3]).state == PushState.PENDING
    event = SyncEvent.objects.filter(channel=channel, kind="reconcile").first()
    assert event is not None and "showed 99, should be 5" in event.message
    push(channel)
    assert sandbox.quantity_of(skus[3].code) == 5
