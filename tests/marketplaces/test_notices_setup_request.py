"""Staff's "Set up notifications" runs on a worker: the web request records it and returns at once,
the card shows it in progress and then its outcome, and a request whose message was lost is run
by the notice reader instead of waiting forever."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplaces.connectors.amazon import AmazonConnector
from marketplaces.models import ChannelSync
from marketplaces.services.notices import notices_pull
from marketplaces.services.notices_setup import REQUEST_UNSTARTED_AFTER, order_notices_setup_requested
from marketplaces.services.setup import channel_connection_update
from marketplaces.tasks import notices_setup_task
from tests.factories.channels import sandbox_credentials


@pytest.fixture
def amazon(make_channel, skus):
    """An Amazon channel whose connection names a queue nobody has subscribed yet."""
    channel, sandbox = make_channel("amazon", skus=skus[:1])
    channel_connection_update(
        channel=channel,
        base_url=f"sandbox://{sandbox.name}",
        credentials=sandbox_credentials("amazon", sandbox, queue=True),
    )
    channel.refresh_from_db()
    return channel, sandbox


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def _sync(channel: Any) -> ChannelSync:
    return ChannelSync.objects.get(channel=channel)


def _card(page: str) -> str:
    return page.split('id="order-notices"', 1)[1].split("</section>", 1)[0]


def _press(staff: Any, channel: Any) -> str:
    """The button, as htmx sends it: the answer is the card alone."""
    response = staff.post(reverse("channels:notices_subscribe", args=[channel.code]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_button_answers_without_calling_amazon_and_the_polled_card_shows_the_outcome(
    amazon, staff, django_capture_on_commit_callbacks
):
    channel, sandbox = amazon

    with django_capture_on_commit_callbacks() as queued:
        card = _press(staff, channel)

    # The request only recorded the setup: no call to Amazon or AWS was made while staff waited.
    assert sandbox.count_calls() == 0 and len(queued) == 1
    assert 'data-notices="setting-up"' in card and "Setting up" in card
    assert 'hx-trigger="every 2s"' in card and " disabled>" in card  # polled; pressing again is pointless

    queued[0]()  # the worker takes it
    polled = staff.get(reverse("channels:notices_card", args=[channel.code])).content.decode()

    assert 'data-notices="subscribed"' in polled and "hx-trigger" not in polled  # done: polling stops
    assert _sync(channel).notices_subscription_id == sandbox.subscriptions["ORDER_CHANGE"]["subscriptionId"]
    assert _sync(channel).notices_setup_requested_at is None


def test_without_javascript_the_page_says_the_setup_was_queued(amazon, staff):
    channel, _sandbox = amazon

    page = staff.post(reverse("channels:notices_subscribe", args=[channel.code]), follow=True).content.decode()

    assert "the Order notices card shows how it went" in page
    assert 'data-notices="setting-up"' in _card(page)


def test_a_failed_setup_shows_what_to_fix_on_the_card(amazon, staff, django_capture_on_commit_callbacks):
    channel, sandbox = amazon
    sandbox.aws_key_actions.discard("AddPermission")

    with django_capture_on_commit_callbacks(execute=True):
        _press(staff, channel)
    card = staff.get(reverse("channels:notices_card", args=[channel.code])).content.decode()

    assert 'data-notices="not-subscribed"' in card and "The last attempt failed" in card
    assert "sqs:AddPermission" in card
    assert "Set up notifications" in card and " disabled>" not in card  # pressing again is how to retry


def test_a_request_no_worker_took_is_shown_waiting_then_run_by_the_queue_reader(amazon, staff, skus):
    channel, sandbox = amazon
    # checked once by the reader a while ago (the key could not open the queue), then fixed and pressed
    earlier = timezone.now() - REQUEST_UNSTARTED_AFTER - timedelta(seconds=30)
    ChannelSync.objects.filter(channel=channel).update(
        notices_checked_at=earlier - timedelta(minutes=1), notices_setup_requested_at=earlier
    )

    card = staff.get(reverse("channels:detail", args=[channel.code])).content.decode()
    assert "Waiting for a worker" in _card(card) and "check that the worker is running" in _card(card)

    notices_pull(channel_id=channel.pk)

    sync = _sync(channel)
    assert sync.notices_setup_requested_at is None and sync.notices_subscription_id
    sandbox.create_order([(skus[0].code, 1)])
    assert notices_pull(channel_id=channel.pk) == 1


def test_the_reader_leaves_a_fresh_request_to_its_worker(amazon):
    channel, sandbox = amazon
    now = timezone.now()
    # the reader checked recently; staff pressed the button a moment ago and the task is on its way
    ChannelSync.objects.filter(channel=channel).update(
        notices_checked_at=now - timedelta(minutes=1), notices_setup_requested_at=now
    )

    notices_pull(channel_id=channel.pk)

    assert sandbox.count_calls("getDestinations") == 0 and _sync(channel).notices_setup_requested_at == now
    assert notices_setup_task.delay(channel.pk).get() is True
    assert notices_setup_task.delay(channel.pk).get() is None  # a second message for it finds nothing to do


def test_a_press_during_a_running_setup_is_run_again_afterwards(amazon, monkeypatch):
    channel, sandbox = amazon
    first = timezone.now() - timedelta(seconds=5)
    ChannelSync.objects.filter(channel=channel).update(notices_setup_requested_at=first)
    subscribe = AmazonConnector.subscribe_order_change
    pressed = timezone.now()

    def pressed_meanwhile(self: Any) -> Any:
        ChannelSync.objects.filter(channel=channel).update(notices_setup_requested_at=pressed)
        return subscribe(self)

    monkeypatch.setattr(AmazonConnector, "subscribe_order_change", pressed_meanwhile)
    assert (outcome := order_notices_setup_requested(channel_id=channel.pk)) is not None and outcome.ok

    # the second press is not lost: it is still there for its own worker to run
    assert _sync(channel).notices_setup_requested_at == pressed
    monkeypatch.setattr(AmazonConnector, "subscribe_order_change", subscribe)
    assert (outcome := order_notices_setup_requested(channel_id=channel.pk)) is not None and outcome.ok
    assert _sync(channel).notices_setup_requested_at is None
    assert sandbox.count_calls("createSubscription") == 1


def test_a_pending_setup_for_a_queue_since_replaced_is_dropped(amazon, staff):
    channel, sandbox = amazon
    ChannelSync.objects.filter(channel=channel).update(notices_setup_requested_at=timezone.now())

    other = sandbox.queue_url.rsplit("/", 1)[0] + "/other-queue"
    channel_connection_update(
        channel=channel, base_url=f"sandbox://{sandbox.name}", credentials={"sqs_queue_url": other}
    )

    # the request named the old queue: nothing is left running, and the card stops polling
    assert _sync(channel).notices_setup_requested_at is None
    card = staff.get(reverse("channels:notices_card", args=[channel.code])).content.decode()
    assert 'data-notices="not-subscribed"' in card and "hx-trigger" not in card
    assert notices_setup_task.delay(channel.pk).get() is None and sandbox.count_calls() == 0


def test_the_button_on_a_channel_without_a_queue_says_what_to_do_and_queues_nothing(
    make_channel, skus, staff, django_capture_on_commit_callbacks
):
    amazon, _sandbox = make_channel("amazon", skus=skus[:1])  # connected, no queue named
    shopify, _shop = make_channel("shopify", skus=skus[:1])

    for channel, told in (
        (amazon, "Enter the ORDER_CHANGE queue URL and its AWS keys in the connection first."),
        (shopify, "Shopify has no order notice queue to set up."),
    ):
        with django_capture_on_commit_callbacks() as queued:
            page = staff.post(reverse("channels:notices_subscribe", args=[channel.code]), follow=True)
        assert told in page.content.decode() and queued == []
        assert _sync(channel).notices_setup_requested_at is None
