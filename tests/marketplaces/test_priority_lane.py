"""The priority lane: a push that crosses zero or the buffer goes at once, ahead of ordinary changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from inventory.services import StockLine, stock_receive, stock_reserve
from inventory.services.stock import DocumentRef
from marketplaces.availability import channel_available
from marketplaces.models import ChannelSync, Listing, PushState, StockOutbox
from marketplaces.outbox import crosses_zero, outbox_coalesce, urgent_push
from marketplaces.services.stock_sync import channel_push
from marketplaces.services.stock_sync.claims import claim_rows, mark_applied, prioritise_requeued


@pytest.fixture(autouse=True)
def _pushes_by_hand(settings):
    settings.CHANNELS_QUEUE_PUSHES = False  # each test runs the pusher itself, when it wants
    settings.CHANNELS_PRIORITY_LANE = True


def reserve(dc: Any, sku: Any, quantity: int, ref: str) -> None:
    stock_reserve(location=dc, lines=[StockLine(sku.pk, quantity)], actor=None, document=DocumentRef("test", ref))


def stocked_channel(make_channel: Any, dc: Any, skus: list[Any], kind: str, **sync: Any) -> tuple[Any, Any]:
    """A channel showing 10 of the first SKU and 1 of the second, with the given sync settings."""
    stock_receive(location=dc, sku=skus[0], quantity=10, actor=None)
    stock_receive(location=dc, sku=skus[1], quantity=1 + sync.get("buffer", 0), actor=None)
    channel, sandbox = make_channel(kind)
    ChannelSync.objects.filter(channel=channel).update(push_max_wait=30.0, **sync)
    channel_push(channel_id=channel.pk, max_wait=30)
    assert sandbox.quantity_of(skus[1].code) == 1
    return channel, sandbox


def patched_skus(sandbox: Any, since: int) -> list[str]:
    return [call.path.rstrip("/").split("/")[-1] for call in sandbox.calls[since:] if call.op == "patchListingsItem"]


def test_the_crossing_rule():
    assert crosses_zero(3, 0) and crosses_zero(0, 2)
    assert not crosses_zero(3, 1) and not crosses_zero(0, 0) and not crosses_zero(None, 0)


@pytest.mark.parametrize("lane", [True, False])
def test_on_amazon_a_sku_running_out_is_patched_before_the_changes_queued_ahead_of_it(
    make_channel, dc, skus, settings, lane
):
    settings.CHANNELS_PRIORITY_LANE = lane
    channel, sandbox = stocked_channel(make_channel, dc, skus, "amazon")
    before = len(sandbox.calls)
    stock_receive(location=dc, sku=skus[0], quantity=5, actor=None)  # ordinary: 10 -> 15
    reserve(dc, skus[1], 1, "last-unit")  # crossing: 1 -> 0

    report = channel_push(channel_id=channel.pk, hold=True)

    assert report.pushed == 2
    expected = [skus[1].code, skus[0].code] if lane else [skus[0].code, skus[1].code]
    assert patched_skus(sandbox, before) == expected
    assert sandbox.quantity_of(skus[1].code) == 0 and sandbox.quantity_of(skus[0].code) == 15


def test_ordinary_changes_wait_and_coalesce_until_a_crossing_takes_them_along_in_one_call(make_channel, dc, skus):
    channel, sandbox = stocked_channel(make_channel, dc, skus, "shopify")
    before = len(sandbox.calls)
    for n in range(4):  # four changes of one SKU: one pending push
        stock_receive(location=dc, sku=skus[0], quantity=1, actor=None)
        assert channel_push(channel_id=channel.pk, hold=True).pushed == 0, n

    assert StockOutbox.objects.get(channel=channel, sku=skus[0]).state == PushState.PENDING
    assert sandbox.quantity_of(skus[0].code) == 10  # held for a fuller batch
    reserve(dc, skus[1], 1, "sold-out")

    report = channel_push(channel_id=channel.pk, hold=True)

    assert report.pushed == 2 and report.calls == 1
    assert len(sandbox.calls) - before == 1
    assert sandbox.quantity_of(skus[1].code) == 0 and sandbox.quantity_of(skus[0].code) == 14


def test_reaching_the_buffer_is_a_crossing_and_so_is_coming_back(make_channel, dc, skus):
    channel, sandbox = stocked_channel(make_channel, dc, skus, "woocommerce", buffer=2)
    reserve(dc, skus[1], 1, "into-the-buffer")  # 3 on hand, 1 reserved: 2 left, all of them the buffer

    channel_push(channel_id=channel.pk, hold=True)

    assert sandbox.quantity_of(skus[1].code) == 0
    stock_receive(location=dc, sku=skus[1], quantity=4, actor=None)  # back above the buffer

    channel_push(channel_id=channel.pk, hold=True)

    assert sandbox.quantity_of(skus[1].code) == 4


def test_no_update_is_lost_when_changes_keep_coming_around_crossings(make_channel, dc, skus):
    channel, sandbox = stocked_channel(make_channel, dc, skus, "shopify")
    reserve(dc, skus[1], 1, "a")
    stock_receive(location=dc, sku=skus[2], quantity=3, actor=None)
    channel_push(channel_id=channel.pk, hold=True)
    stock_receive(location=dc, sku=skus[1], quantity=2, actor=None)
    reserve(dc, skus[1], 2, "b")  # back to 0 before the push: the row still carries the newest value
    reserve(dc, skus[0], 10, "c")
    channel_push(channel_id=channel.pk, hold=True)
    ChannelSync.objects.filter(channel=channel).update(push_max_wait=0.0)  # whatever is left goes now

    channel_push(channel_id=channel.pk, hold=True)

    expected = channel_available(channel.sync, [sku.pk for sku in skus])
    assert {sku.code: sandbox.quantity_of(sku.code) for sku in skus} == {sku.code: expected[sku.pk] for sku in skus}
    assert not StockOutbox.objects.filter(channel=channel).exclude(state=PushState.APPLIED).exists()
    assert Listing.objects.get(channel=channel, sku=skus[0]).last_pushed_quantity == 0


def test_the_last_units_rule():
    assert urgent_push(5, 2, 3) and urgent_push(5, 0, 3) and urgent_push(0, 4, 3)  # lowering near zero, crossings
    assert not urgent_push(40, 35, 3) and not urgent_push(2, 4, 3) and not urgent_push(None, 1, 3)


def test_a_lowering_to_2_units_while_the_channel_shows_5_is_pushed_before_ordinary_changes(make_channel, dc, skus):
    stock_receive(location=dc, sku=skus[0], quantity=40, actor=None)
    stock_receive(location=dc, sku=skus[1], quantity=5, actor=None)
    channel, sandbox = make_channel("shopify")
    ChannelSync.objects.filter(channel=channel).update(push_max_wait=30.0, split_below=0)
    channel_push(channel_id=channel.pk, max_wait=30)
    before = len(sandbox.calls)
    reserve(dc, skus[0], 5, "plenty-left")  # ordinary: 40 -> 35 waits to fill a batch

    assert channel_push(channel_id=channel.pk, hold=True).pushed == 0
    assert sandbox.quantity_of(skus[0].code) == 40
    reserve(dc, skus[1], 3, "last-units")  # 5 -> 2: three units shown that we no longer have

    report = channel_push(channel_id=channel.pk, hold=True)

    assert sandbox.quantity_of(skus[1].code) == 2
    assert sandbox.quantity_of(skus[0].code) == 35  # the waiting change rode along in the same call
    assert report.calls == 1 and len(sandbox.calls) - before == 1


def test_raising_the_last_units_waits_for_its_batch(make_channel, dc, skus):
    stock_receive(location=dc, sku=skus[1], quantity=2, actor=None)
    channel, sandbox = make_channel("woocommerce")
    ChannelSync.objects.filter(channel=channel).update(push_max_wait=30.0)
    channel_push(channel_id=channel.pk, max_wait=30)
    stock_receive(location=dc, sku=skus[1], quantity=2, actor=None)  # 2 -> 4: no unit shown that we lack

    assert channel_push(channel_id=channel.pk, hold=True).pushed == 0
    assert sandbox.quantity_of(skus[1].code) == 2


def test_a_raise_in_flight_that_the_sale_empties_meanwhile_goes_back_to_0_next_not_after_the_max_wait(
    make_channel, dc, skus
):
    channel, sandbox = stocked_channel(make_channel, dc, skus, "shopify")  # shows 1 of the second SKU; waits 30 s
    reserve(dc, skus[1], 1, "first")
    channel_push(channel_id=channel.pk, hold=True)  # a crossing: the channel shows 0
    assert sandbox.quantity_of(skus[1].code) == 0
    stock_receive(location=dc, sku=skus[1], quantity=1, actor=None)  # one comes back: an ordinary raise
    outbox_coalesce()
    [row] = claim_rows(channel.pk, 10, timezone.now())  # a pusher sends 1...
    reserve(dc, skus[1], 1, "second")  # ...and it sells while that push is on the wire
    outbox_coalesce()  # judged against the 0 shown before the push: no crossing yet

    requeued = mark_applied([row], {skus[1].pk: 1})  # the push of 1 lands: the channel shows 1, we have 0
    Listing.objects.filter(channel=channel, sku=skus[1]).update(last_pushed_quantity=1)
    prioritise_requeued(requeued)
    report = channel_push(channel_id=channel.pk, hold=True)

    assert report.pushed == 1  # not held for the channel's 30-second max wait
    assert sandbox.quantity_of(skus[1].code) == 0
