"""Amazon's ORDER_CHANGE notifications, read from the seller's SQS queue, hold sold units back at once."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any, cast

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ValidationFailed
from inventory.services import stock_receive
from marketplaces.availability import channel_available
from marketplaces.connectors import RequestRejected, connector_for
from marketplaces.connectors.amazon import AmazonConnector
from marketplaces.last_units import kept_allocations
from marketplaces.models import ChannelSync, CredentialStatus, OrderNotice, SyncEvent, SyncKind, SyncLevel
from marketplaces.sandbox.base import load_sample
from marketplaces.services.notices import notices_pull, notices_store
from marketplaces.services.orders import orders_poll
from marketplaces.services.setup import channel_connection_update
from marketplaces.unheard import unheard_sales
from tests.factories.orders import place_order
from tests.marketplaces.conftest import push


@pytest.fixture(autouse=True)
def _hold_back_unheard_sales(settings):
    """Sales not imported yet held back (the test settings turn it off), at the channel's pace alone."""
    settings.CHANNELS_UNHEARD_LOOKBACK_SECONDS = 300.0
    settings.CHANNELS_UNHEARD_MARGIN = 1.0


def _queue(channel) -> AmazonConnector:
    """The channel's connector, which reads its ORDER_CHANGE queue."""
    return cast(AmazonConnector, connector_for(channel))


def _read_then_poll_later(channel) -> None:
    """The order poll and a read of the queue ran a moment ago and found nothing (the notices are
    ahead of the poll)."""
    ChannelSync.objects.filter(channel=channel).update(
        last_pull_ok_at=timezone.now(), last_notices_ok_at=timezone.now()
    )


def test_a_sale_is_announced_in_the_sellers_queue_as_amazon_shapes_it(make_channel, skus):
    amazon, sandbox = make_channel("amazon", skus=skus[:2], notices=True)
    order_id = sandbox.create_order([(skus[0].code, 2), (skus[1].code, 1)])

    with _queue(amazon) as connector:
        (notice,) = connector.receive_notices(10)
        assert notice.external_id == order_id and not notice.cancelled
        assert notice.lines == [(skus[0].code, 2), (skus[1].code, 1)]
        assert connector.receive_notices(10) == []  # hidden while we work on it
        body = json.loads(next(iter(sandbox.queue.values()))["Body"])
        sample = load_sample("amazon_sp_order_change_notification.json")
        assert body.keys() == sample.keys() and body["NotificationType"] == "ORDER_CHANGE"
        summary = body["Payload"]["OrderChangeNotification"]["Summary"]
        assert (
            summary["OrderItems"][0].keys()
            <= sample["Payload"]["OrderChangeNotification"]["Summary"]["OrderItems"][0].keys()
        )

        # Not deleted in time, it comes back with a new receipt: the old one no longer deletes it.
        next(iter(sandbox.queue.values()))["visible_at"] = time.time() - 1
        (again,) = connector.receive_notices(10)
        assert again.notice_id == notice.notice_id and again.receipt != notice.receipt
        connector.delete_notices([notice.receipt])
        assert sandbox.queued_notifications() == 1
        connector.delete_notices([again.receipt])
        assert sandbox.queued_notifications() == 0


def test_announced_units_are_held_back_from_every_channel_until_the_order_is_imported(
    make_channel, dc, skus, django_assert_num_queries, settings
):
    # Announced units alone: the guess from the channel's pace would add a unit whenever the check
    # after the poll comes later than about 0.4 s (a slow machine), as the poll's blind window grows.
    settings.CHANNELS_UNHEARD_MARGIN = 0
    shop, shop_sandbox = make_channel("shopify", skus=skus[:1])
    amazon, amazon_sandbox = make_channel("amazon", skus=skus[:1], notices=True)
    stock_receive(location=dc, sku=skus[0], quantity=20, actor=None)
    _read_then_poll_later(amazon)
    amazon_sandbox.create_order([(skus[0].code, 3)])

    assert notices_pull(channel_id=amazon.pk) == 1
    with django_assert_num_queries(4):  # the channels, waiting webhooks, announced units, sales of the windows
        assert unheard_sales(None) == {skus[0].pk: 3}
    assert channel_available(shop.sync, [skus[0].pk]) == {skus[0].pk: 17}
    push(shop)
    assert shop_sandbox.quantity_of(skus[0].code) == 17
    assert ChannelSync.objects.get(channel=amazon).last_notices_ok_at is not None

    # The poll imports the order: our ledger has the sale, and the notice no longer counts.
    orders_poll(channel_id=amazon.pk)
    assert unheard_sales([skus[0].pk]) == {}
    assert channel_available(shop.sync, [skus[0].pk]) == {skus[0].pk: 17}
    notices_pull(channel_id=amazon.pk)
    assert not OrderNotice.objects.exists()  # settled rows are forgotten on the next read


def test_a_cancellation_releases_the_units_and_a_late_copy_of_the_first_notice_does_not_hold_them_again(
    make_channel, dc, skus
):
    shop, _ = make_channel("shopify", skus=skus[:1])
    amazon, sandbox = make_channel("amazon", skus=skus[:1], notices=True)
    stock_receive(location=dc, sku=skus[0], quantity=20, actor=None)
    _read_then_poll_later(amazon)
    order_id = sandbox.create_order([(skus[0].code, 4)])
    with _queue(amazon) as connector:
        (first,) = connector.receive_notices(10)
    notices_store(channel=amazon, notices=[first, first])  # delivered twice: counted once
    assert unheard_sales([skus[0].pk]) == {skus[0].pk: 4}

    sandbox.cancel_order_by_customer(order_id)
    sandbox.queue[first.receipt.split("#")[0]]["visible_at"] = time.time() + 60  # only the cancellation is due
    notices_pull(channel_id=amazon.pk)
    assert unheard_sales([skus[0].pk]) == {}
    notices_store(channel=amazon, notices=[first])  # the first notice again, late
    assert unheard_sales([skus[0].pk]) == {}
    assert channel_available(shop.sync, [skus[0].pk]) == {skus[0].pk: 20}


def test_announced_units_stand_for_the_guess_of_the_blind_window_and_the_rest_is_still_guessed(make_channel, dc, skus):
    make_channel("shopify", skus=skus[:1])
    amazon, sandbox = make_channel("amazon", skus=skus[:1], notices=True)
    # Amazon sold 10 units in the minute before its last poll, a minute ago: about as many since.
    placed = timezone.now() - timedelta(seconds=90)
    assert place_order(amazon, [(skus[0].code, 10)], external_id="A-1", placed_at=placed).created
    ChannelSync.objects.filter(channel=amazon).update(last_pull_ok_at=timezone.now() - timedelta(seconds=60))
    assert unheard_sales([skus[0].pk]) == {skus[0].pk: 10}

    # Its queue announced 6 of them: those are sold for sure, and 4 more are still a guess (a
    # notification may be late or lost, so the poll's window still counts).
    sandbox.create_order([(skus[0].code, 6)])
    notices_pull(channel_id=amazon.pk)
    assert unheard_sales([skus[0].pk]) == {skus[0].pk: 10}
    # Announced beyond the pace: all of it, no guess on top.
    sandbox.create_order([(skus[0].code, 6)])
    notices_pull(channel_id=amazon.pk)
    assert unheard_sales([skus[0].pk]) == {skus[0].pk: 12}


def test_refused_aws_keys_are_logged_with_what_to_fix_and_leave_the_sp_api_credentials_alone(make_channel, skus):
    amazon, sandbox = make_channel("amazon", skus=skus[:1], notices=True)
    channel_connection_update(
        channel=amazon, base_url=amazon.sync.base_url, credentials={"aws_secret_access_key": "not-the-secret"}
    )
    sandbox.create_order([(skus[0].code, 1)])

    assert notices_pull(channel_id=amazon.pk) == 0
    assert notices_pull(channel_id=amazon.pk) == 0  # read again a few seconds on: logged once
    event = SyncEvent.objects.exclude(kind=SyncKind.NOTICES).get(channel=amazon)
    assert event.level == SyncLevel.ERROR and "InvalidSignatureException" in event.message
    assert "queue URL and its AWS keys" in event.action
    setup = SyncEvent.objects.filter(channel=amazon, kind=SyncKind.NOTICES).latest("pk")  # the new key checked once
    assert setup.level == SyncLevel.ERROR and "InvalidSignatureException" in setup.message
    sync = ChannelSync.objects.get(channel=amazon)
    assert sync.credential_status != CredentialStatus.EXPIRED and sync.last_notices_ok_at is None
    assert sandbox.queued_notifications() == 1  # still there for the next read with the right keys


def test_an_unreadable_message_is_logged_and_deleted(make_channel, skus):
    amazon, sandbox = make_channel("amazon", skus=skus[:1], notices=True)
    sandbox.queue["m-1"] = {
        "MessageId": "m-1",
        "Body": "{not json",
        "visible_at": 0,
        "ReceiptHandle": "",
        "receives": 0,
    }

    assert notices_pull(channel_id=amazon.pk) == 1
    assert "Unreadable notification m-1" in SyncEvent.objects.get(channel=amazon, level=SyncLevel.WARNING).message
    assert sandbox.queued_notifications() == 0
    assert not OrderNotice.objects.exists()


def test_a_channel_without_a_queue_is_only_polled(make_channel, skus):
    amazon, sandbox = make_channel("amazon", skus=skus[:1])
    sandbox.create_order([(skus[0].code, 1)])

    assert notices_pull(channel_id=amazon.pk) == 0
    assert sandbox.count_calls("sqs") == 0


def test_a_queue_url_without_its_keys_is_refused_with_what_to_enter(make_channel, skus):
    amazon, sandbox = make_channel("amazon", skus=skus[:1])

    with pytest.raises(ValidationFailed, match="AWS access key ID and secret access key"):
        channel_connection_update(
            channel=amazon, base_url=amazon.sync.base_url, credentials={"sqs_queue_url": sandbox.queue_url}
        )
    with pytest.raises(ValidationFailed, match="starting with https://"):
        channel_connection_update(channel=amazon, base_url=amazon.sync.base_url, credentials={"sqs_queue_url": "sqs"})


def test_the_channel_page_says_when_the_queue_was_last_read(client, admin_user, make_channel, skus):
    client.force_login(admin_user)
    amazon, _ = make_channel("amazon", skus=skus[:1], notices=True)
    assert "Order notices read" not in client.get(reverse("channels:detail", args=[amazon.code])).content.decode()

    notices_pull(channel_id=amazon.pk)
    page = client.get(reverse("channels:detail", args=[amazon.code])).content.decode()
    assert "Order notices read" in page and "ORDER_CHANGE queue" in page
    assert "held back as soon as its ORDER_CHANGE notification is read" in page


@pytest.fixture
def _web_process_keeps_the_test_connection():
    """A WSGI request closes the database connection when it ends; the test's transaction lives on it."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("_web_process_keeps_the_test_connection")
def test_the_queue_is_read_over_http_as_the_demos_worker_reads_it(make_channel, skus):
    """The demo's worker reaches the sandbox through the web process: the signature covers that address."""
    from django.core.wsgi import get_wsgi_application

    from marketplaces.sandbox import sandbox_for
    from tests.factories.channels import sandbox_credentials

    sandbox: Any = sandbox_for("amazon.http-demo")
    base = "http://testserver/channels/sandbox/amazon.http-demo"
    credentials = dict(
        sandbox_credentials("amazon", sandbox, queue=True), sqs_queue_url=f"{base}/123456789012/fulfil-order-change"
    )
    transport = httpx.WSGITransport(app=get_wsgi_application())
    with AmazonConnector(base_url=base, credentials=credentials, bucket_key="http-demo", transport=transport) as amazon:
        amazon.subscribe_order_change()  # the policy, destination and subscription, over HTTP too
        order_id = sandbox.create_order([(skus[0].code, 2)])
        (notice,) = amazon.receive_notices(10)
        assert notice.external_id == order_id and notice.lines == [(skus[0].code, 2)]
        amazon.delete_notices([notice.receipt])
    assert sandbox.queued_notifications() == 0

    credentials["aws_secret_access_key"] = "wrong"
    sandbox.create_order([(skus[0].code, 1)])
    wrong = AmazonConnector(base_url=base, credentials=credentials, bucket_key="http-demo", transport=transport)
    with wrong, pytest.raises(RequestRejected, match="InvalidSignatureException"):
        wrong.receive_notices(10)


def test_units_a_channel_announced_are_no_longer_its_to_keep_in_the_last_unit_split(make_channel, dc, skus):
    shop, shop_sandbox = make_channel("shopify", skus=skus[:1])
    amazon, amazon_sandbox = make_channel("amazon", skus=skus[:1], notices=True)
    stock_receive(location=dc, sku=skus[0], quantity=6, actor=None)
    _read_then_poll_later(amazon)
    push(shop), push(amazon)
    given = amazon_sandbox.quantity_of(skus[0].code)
    assert given + shop_sandbox.quantity_of(skus[0].code) == 6  # the last units, split
    assert kept_allocations([amazon.pk], [skus[0].pk]) == {(amazon.pk, skus[0].pk): given}

    # Amazon sells what it was given and announces it: it keeps nothing, and the units left are
    # Shopify's alone, not held back twice.
    amazon_sandbox.create_order([(skus[0].code, given)])
    notices_pull(channel_id=amazon.pk)
    assert kept_allocations([amazon.pk], [skus[0].pk]) == {(amazon.pk, skus[0].pk): 0}
    assert channel_available(shop.sync, [skus[0].pk]) == {skus[0].pk: 6 - given}


def test_a_batch_is_stored_in_a_fixed_number_of_queries_and_its_latest_notice_wins(
    make_channel, dc, skus, django_assert_num_queries
):
    make_channel("shopify", skus=skus[:3])
    amazon, sandbox = make_channel("amazon", skus=skus[:3], notices=True)
    _read_then_poll_later(amazon)
    for n in range(3):
        sandbox.create_order([(skus[n].code, n + 1)])
    with _queue(amazon) as connector:
        notices = connector.receive_notices(10)
    cancelled_first = replace(notices[0], cancelled=True)

    # The listings, the imported orders, the cancelled ones, one upsert: however many notices.
    with django_assert_num_queries(4 + 2):  # and the transaction's savepoint in and out
        assert notices_store(channel=amazon, notices=[*notices, cancelled_first]) == 4
    assert unheard_sales([sku.pk for sku in skus[:3]]) == {skus[1].pk: 2, skus[2].pk: 3}
