"""The push scheduler gathers a channel's changes into full batches, never past its max wait."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from inventory.models import StockChange
from inventory.services import stock_receive
from marketplaces.models import ChannelSync, PushState, StockOutbox
from marketplaces.outbox import _coalesce_portable, outbox_coalesce
from marketplaces.services.stock_sync import channel_push, flush_plan
from tests.factories import SKUFactory


def test_flush_plan_sends_whole_batches_or_everything_once_the_oldest_waited_long_enough():
    assert flush_plan(due=0, oldest_age=9.0, batch_size=25, max_wait=2.0) == (0, None)
    assert flush_plan(due=10, oldest_age=0.5, batch_size=25, max_wait=2.0) == (0, 1.5)
    assert flush_plan(due=60, oldest_age=0.5, batch_size=25, max_wait=2.0) == (50, 1.5)
    assert flush_plan(due=60, oldest_age=0.5, batch_size=25, max_wait=2.0, fill=100) == (0, 1.5)
    assert flush_plan(due=10, oldest_age=2.0, batch_size=25, max_wait=2.0) == (None, None)


def age_pending(channel, seconds):
    StockOutbox.objects.filter(channel=channel).update(changed_at=timezone.now() - timedelta(seconds=seconds))


def test_a_partial_batch_waits_for_the_max_wait_then_goes_in_one_call(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay")
    ChannelSync.objects.filter(channel=channel).update(push_max_wait=2.0)
    for sku in skus:
        stock_receive(location=dc, sku=sku, quantity=4, actor=None)

    held = channel_push(channel_id=channel.pk, hold=True)

    assert held.pushed == 0 and held.held == 5 and held.calls == 0
    assert held.next_check is not None and 0 < held.next_check <= 2.0
    assert sandbox.count_calls("inventory") == 0
    age_pending(channel, 2.5)

    sent = channel_push(channel_id=channel.pk, hold=True)

    assert sent.pushed == 5 and sent.calls == 1
    assert [sandbox.quantity_of(sku.code) for sku in skus] == [4] * 5


@pytest.mark.parametrize("max_wait", [30.0])
def test_a_full_batch_goes_at_once_and_the_rest_keeps_waiting(make_channel, dc, max_wait, settings):
    settings.CHANNELS_PUSH_FILL_SKUS = 25
    many: list[Any] = [SKUFactory(code=f"FB-{n:02d}") for n in range(30)]
    channel, _sandbox = make_channel("ebay", skus=many)  # eBay takes 25 SKUs a call
    ChannelSync.objects.filter(channel=channel).update(push_max_wait=max_wait)
    for sku in many:
        stock_receive(location=dc, sku=sku, quantity=2, actor=None)

    report = channel_push(channel_id=channel.pk, hold=True)

    assert report.pushed == 25 and report.calls == 1
    assert StockOutbox.objects.filter(channel=channel, state=PushState.PENDING).count() == 5
    assert report.next_check is not None and report.next_check <= max_wait


def test_the_default_max_wait_comes_from_settings(make_channel, dc, skus, settings):
    settings.CHANNELS_PUSH_MAX_WAIT_SECONDS = 0.0
    channel, sandbox = make_channel("woocommerce")
    stock_receive(location=dc, sku=skus[0], quantity=3, actor=None)

    report = channel_push(channel_id=channel.pk, hold=True)

    assert report.pushed == len(skus) and report.calls == 1 and sandbox.quantity_of(skus[0].code) == 3


@pytest.mark.parametrize("path", ["sql", "orm"])
def test_a_change_coalesced_while_its_push_is_in_flight_waits_for_the_next_batch(
    make_channel, dc, skus, monkeypatch, path
):
    """A stock change written just before the push claimed its row, but coalesced by another
    worker while the push is in flight, goes with the next batch: not in a second call the
    moment the first returns (which doubled the calls on busy channels)."""
    channel, sandbox = make_channel("woocommerce")
    ChannelSync.objects.filter(channel=channel).update(push_max_wait=2.0)
    for sku in skus:
        stock_receive(location=dc, sku=sku, quantity=4, actor=None)
    age_pending(channel, 2.5)  # due: the held pass sends everything
    handle = sandbox.handle
    late = {"done": False}

    def written_before_the_claim_coalesced_during_the_call(request):
        if not late["done"]:
            late["done"] = True
            stock_receive(location=dc, sku=skus[0], quantity=1, actor=None)
            StockChange.objects.update(created_at=timezone.now() - timedelta(seconds=1))
            if path == "orm":  # what the embedded SQLite database runs, here on PostgreSQL
                with transaction.atomic():
                    _coalesce_portable(1000)
            else:
                outbox_coalesce()  # another worker's coalescing pass
        return handle(request)

    monkeypatch.setattr(sandbox, "handle", written_before_the_claim_coalesced_during_the_call)

    first = channel_push(channel_id=channel.pk, hold=True)

    assert first.calls == 1 and first.pushed == len(skus)
    row = StockOutbox.objects.get(channel=channel, sku=skus[0])
    assert row.state == PushState.PENDING
    held = channel_push(channel_id=channel.pk, hold=True)
    assert held.calls == 0 and held.held == 1  # waits to be gathered with the next changes
    age_pending(channel, 2.5)
    assert channel_push(channel_id=channel.pk, hold=True).calls == 1
    assert sandbox.quantity_of(skus[0].code) == 5  # nothing lost: the later value is shown


def test_a_row_committed_after_the_held_pass_counted_its_due_rows_goes_with_the_next_batch(
    make_channel, dc, skus, monkeypatch
):
    """Another worker's coalescing pass dates its rows when it writes them, before it commits: a
    row dated before this pass began but committed while its batch is on the wire goes with
    the next batch, not alone in a second call right after the first."""
    channel, sandbox = make_channel("woocommerce")
    ChannelSync.objects.filter(channel=channel).update(push_max_wait=2.0)
    straggler = skus[-1]
    channel_push(channel_id=channel.pk)  # every listing shown once: nothing pending
    for sku in skus[:-1]:
        stock_receive(location=dc, sku=sku, quantity=4, actor=None)
    age_pending(channel, 2.5)
    handle = sandbox.handle
    late = {"done": False}

    def committed_late_by_another_worker(request):
        if not late["done"]:
            late["done"] = True
            stock_receive(location=dc, sku=straggler, quantity=7, actor=None)
            outbox_coalesce()
            StockOutbox.objects.filter(channel=channel, sku=straggler).update(
                changed_at=timezone.now() - timedelta(seconds=1)
            )
        return handle(request)

    monkeypatch.setattr(sandbox, "handle", committed_late_by_another_worker)

    first = channel_push(channel_id=channel.pk, hold=True)

    assert first.calls == 1 and first.pushed == len(skus) - 1
    assert StockOutbox.objects.get(channel=channel, sku=straggler).state == PushState.PENDING
    assert sandbox.quantity_of(straggler.code) != 7
    age_pending(channel, 2.5)
    assert channel_push(channel_id=channel.pk, hold=True).calls == 1
    assert sandbox.quantity_of(straggler.code) == 7
