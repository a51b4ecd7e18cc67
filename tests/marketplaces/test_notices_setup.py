"""Setting up Amazon's ORDER_CHANGE notifications: the product opens the queue to Amazon, registers it
as a destination and subscribes the seller, so sales are heard of within seconds."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, cast

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplaces.connectors import connector_for
from marketplaces.connectors.amazon import AmazonConnector
from marketplaces.connectors.amazon.subscriptions import SP_API_ACCOUNT, policy_allows_sp_api
from marketplaces.models import ChannelSync, SyncEvent, SyncKind, SyncLevel
from marketplaces.services.notices import notices_pull
from marketplaces.services.notices_setup import order_notices_subscribe
from marketplaces.services.setup import channel_connection_update
from tests.factories.channels import sandbox_credentials


@pytest.fixture
def amazon(make_channel, skus):
    """An Amazon channel whose connection names no queue yet."""
    return make_channel("amazon", skus=skus[:1])


def _add_queue(channel: Any, sandbox: Any) -> None:
    """Staff enter the queue and its keys (the service, as the connection form calls it)."""
    channel_connection_update(
        channel=channel,
        base_url=f"sandbox://{sandbox.name}",
        credentials=sandbox_credentials("amazon", sandbox, queue=True),
    )
    channel.refresh_from_db()


def _sync(channel: Any) -> ChannelSync:
    return ChannelSync.objects.get(channel=channel)


def _post_then_show(client: Any, capture: Any, url: str, data: dict[str, str] | None = None) -> str:
    """Post a form as staff do, let the worker run what it queued, then open the channel page again."""
    with capture(execute=True):
        response = client.post(url, data or {})
    assert response.status_code == 302
    return str(client.get(response.url).content.decode())


def _subscribed_elsewhere(channel: Any, name: str, queue_arn: str) -> str:
    """The seller subscribed to ORDER_CHANGE at a destination `name` for another queue; its id."""
    with cast(AmazonConnector, connector_for(channel)) as connector:
        destination = connector._grantless_request(
            "POST",
            "/notifications/v1/destinations",
            op="createDestination",
            json={"name": name, "resourceSpecification": {"sqs": {"arn": queue_arn}}},
        ).json()["payload"]["destinationId"]
        connector._request(
            "POST",
            "/notifications/v1/subscriptions/ORDER_CHANGE",
            op="createSubscription",
            json={"payloadVersion": "1.0", "destinationId": destination},
        )
    return str(destination)


def test_saving_a_queue_on_the_connection_page_subscribes_the_seller(
    amazon, skus, client, admin_user, django_capture_on_commit_callbacks
):
    channel, sandbox = amazon
    client.force_login(admin_user)
    form = {"base_url": f"sandbox://{sandbox.name}", "sync_stock": "on"}
    form.update(sandbox_credentials("amazon", sandbox, queue=True))

    url = reverse("channels:connection", args=[channel.code])
    page = _post_then_show(client, django_capture_on_commit_callbacks, url, form)

    assert "Connection of Amazon US saved." in page and "the Order notices card shows how it went" in page
    assert "ORDER_CHANGE notifications go to" in page  # the sync log's line
    assert 'data-notices="subscribed"' in page
    assert policy_allows_sp_api(json.dumps(sandbox.queue_policy))
    assert sandbox.subscriptions["ORDER_CHANGE"]["subscriptionId"] == _sync(channel).notices_subscription_id
    order_id = sandbox.create_order([(skus[0].code, 2)])
    assert notices_pull(channel_id=channel.pk) == 1
    assert channel.order_notices.get().external_id == order_id


def test_setting_up_again_changes_nothing_and_says_so(amazon):
    channel, sandbox = amazon
    _add_queue(channel, sandbox)
    first = order_notices_subscribe(channel=channel)
    subscription = sandbox.subscriptions["ORDER_CHANGE"]["subscriptionId"]

    again = order_notices_subscribe(channel=channel)

    assert first.ok and "subscribed the seller to ORDER_CHANGE" in first.message
    assert again.ok and "everything was already in place" in again.message
    assert len(sandbox.destinations) == 1
    assert sandbox.subscriptions["ORDER_CHANGE"]["subscriptionId"] == subscription
    assert sandbox.count_calls("createSubscription") == 1 and sandbox.count_calls("createDestination") == 1


def test_a_key_that_may_not_open_the_queue_is_told_what_to_add_then_set_up_with_the_button(
    amazon, client, admin_user, django_capture_on_commit_callbacks
):
    channel, sandbox = amazon
    sandbox.aws_key_actions.discard("AddPermission")
    _add_queue(channel, sandbox)
    client.force_login(admin_user)
    button = reverse("channels:notices_subscribe", args=[channel.code])

    page = _post_then_show(client, django_capture_on_commit_callbacks, button)

    assert f"principal {SP_API_ACCOUNT} sqs:SendMessage" in page
    assert 'data-notices="not-subscribed"' in page and "The last attempt failed" in page
    assert "ORDER_CHANGE" not in sandbox.subscriptions  # nothing half done at Amazon
    event = SyncEvent.objects.filter(channel=channel, kind=SyncKind.NOTICES).get()
    assert event.level == SyncLevel.ERROR and "Set up notifications" in event.action

    # The merchant grants it in the AWS console, then presses the button again.
    sandbox.queue_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{SP_API_ACCOUNT}:root"},
                "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes"],
                "Resource": "*",
            }
        ],
    }
    page = _post_then_show(client, django_capture_on_commit_callbacks, button)
    assert 'data-notices="subscribed"' in page and _sync(channel).notices_error == ""
    assert sandbox.notifications_on


def test_a_subscription_to_an_earlier_queue_is_moved_to_this_one(amazon, skus):
    channel, sandbox = amazon
    _add_queue(channel, sandbox)
    # an earlier setup, to a queue the merchant has since replaced (named as this product names them)
    old = _subscribed_elsewhere(channel, "Order notices old", "arn:aws:sqs:us-east-1:123456789012:old")
    assert not sandbox.notifications_on

    outcome = order_notices_subscribe(channel=channel)

    assert outcome.ok and "moved the subscription from the earlier queue" in outcome.message
    assert sandbox.subscriptions["ORDER_CHANGE"]["destinationId"] == _sync(channel).notices_destination_id != old
    sandbox.create_order([(skus[0].code, 1)])
    assert notices_pull(channel_id=channel.pk) == 1


def test_a_subscription_another_system_made_is_left_alone_and_named(amazon):
    channel, sandbox = amazon
    _add_queue(channel, sandbox)
    theirs = "arn:aws:sqs:us-east-1:123456789012:erp-orders"
    # the merchant's ERP, on the same application, subscribed the seller to its own queue
    other = _subscribed_elsewhere(channel, "ERP", theirs)

    outcome = order_notices_subscribe(channel=channel)

    assert not outcome.ok and theirs in outcome.message and "give this channel the same queue" in outcome.message
    assert sandbox.subscriptions["ORDER_CHANGE"]["destinationId"] == other  # not taken over
    assert _sync(channel).notices_subscription_id == ""


def _statement(actions: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "Sid": "SellingPartnerApiNotifications",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{SP_API_ACCOUNT}:root"},
        "Action": actions,
        "Resource": "*",
        **extra,
    }


def test_an_edited_statement_with_our_label_is_named_with_what_to_fix(amazon):
    channel, sandbox = amazon
    _add_queue(channel, sandbox)
    # someone cut SendMessage from the statement we add: SQS refuses a second one with its label
    sandbox.queue_policy = {"Version": "2012-10-17", "Statement": [_statement(["sqs:GetQueueAttributes"])]}

    outcome = order_notices_subscribe(channel=channel)

    assert not outcome.ok
    assert "statement labelled SellingPartnerApiNotifications" in outcome.message
    assert "correct that statement or remove it" in outcome.message
    assert "ORDER_CHANGE" not in sandbox.subscriptions


def test_a_grant_under_a_condition_is_kept_and_subscribed_with_a_warning(amazon):
    channel, sandbox = amazon
    _add_queue(channel, sandbox)
    condition = {"StringEquals": {"aws:SourceAccount": SP_API_ACCOUNT}}
    sandbox.queue_policy = {
        "Version": "2012-10-17",
        "Statement": [_statement(["sqs:SendMessage"], Condition=condition)],
    }

    outcome = order_notices_subscribe(channel=channel)

    assert outcome.ok and "only under a condition we cannot check" in outcome.message
    assert len(sandbox.queue_policy["Statement"]) == 1  # the merchant's own grant was not added to
    assert "ORDER_CHANGE" in sandbox.subscriptions and "condition" in _sync(channel).notices_error


def test_a_setup_fault_is_recorded_and_the_queue_is_still_read(amazon, skus, monkeypatch):
    channel, sandbox = amazon
    _add_queue(channel, sandbox)
    assert order_notices_subscribe(channel=channel).ok
    ChannelSync.objects.filter(channel=channel).update(notices_checked_at=timezone.now() - timedelta(days=2))

    def broken(self: Any) -> None:
        raise KeyError("payload")

    monkeypatch.setattr(AmazonConnector, "subscribe_order_change", broken)
    sandbox.create_order([(skus[0].code, 1)])

    assert notices_pull(channel_id=channel.pk) == 1
    assert "failed unexpectedly (KeyError)" in _sync(channel).notices_error
    assert SyncEvent.objects.filter(channel=channel, kind=SyncKind.NOTICES, level=SyncLevel.ERROR).exists()


def test_the_reader_sets_up_a_queue_nobody_subscribed_and_retries_a_failure_later(amazon, skus):
    channel, sandbox = amazon
    sandbox.aws_key_actions.discard("AddPermission")
    _add_queue(channel, sandbox)

    notices_pull(channel_id=channel.pk)
    notices_pull(channel_id=channel.pk)  # moments later: not tried again

    sync = _sync(channel)
    assert sync.notices_subscription_id == "" and "sqs:AddPermission" in sync.notices_error
    assert sandbox.count_calls("getDestinations") == 0 and sandbox.count_calls("createSubscription") == 0
    assert SyncEvent.objects.filter(channel=channel, kind=SyncKind.NOTICES).count() == 1

    sandbox.aws_key_actions.add("AddPermission")  # the key was given the right meanwhile
    ChannelSync.objects.filter(channel=channel).update(notices_checked_at=timezone.now() - timedelta(minutes=11))
    notices_pull(channel_id=channel.pk)

    assert _sync(channel).notices_subscription_id == sandbox.subscriptions["ORDER_CHANGE"]["subscriptionId"]
    sandbox.create_order([(skus[0].code, 1)])
    assert notices_pull(channel_id=channel.pk) == 1


def test_a_subscription_deleted_at_amazon_is_found_and_made_again_by_the_daily_check(amazon, skus):
    channel, sandbox = amazon
    _add_queue(channel, sandbox)
    notices_pull(channel_id=channel.pk)
    sandbox.subscriptions.clear()  # deleted in Seller Central (the app's authorisation removed and given again)

    notices_pull(channel_id=channel.pk)
    assert "ORDER_CHANGE" not in sandbox.subscriptions  # checked at most daily

    ChannelSync.objects.filter(channel=channel).update(notices_checked_at=timezone.now() - timedelta(days=1, minutes=1))
    notices_pull(channel_id=channel.pk)
    assert sandbox.subscriptions["ORDER_CHANGE"]["subscriptionId"] == _sync(channel).notices_subscription_id
    sandbox.create_order([(skus[0].code, 1)])
    assert notices_pull(channel_id=channel.pk) == 1


def test_changing_the_queue_keys_sets_the_subscription_up_again(amazon):
    channel, sandbox = amazon
    _add_queue(channel, sandbox)
    assert order_notices_subscribe(channel=channel).ok
    checked = _sync(channel).notices_checked_at

    channel_connection_update(
        channel=channel, base_url=f"sandbox://{sandbox.name}", credentials={"aws_access_key_id": "AKIAOTHERKEY00000001"}
    )

    sync = _sync(channel)
    assert sync.notices_subscription_id == "" and sync.notices_checked_at is None and checked is not None


def test_a_channel_without_a_queue_says_how_to_hear_of_sales_sooner(amazon, client, admin_user):
    channel, sandbox = amazon
    client.force_login(admin_user)

    page = client.get(reverse("channels:detail", args=[channel.code])).content.decode()

    assert 'data-notices="none"' in page and "Add an SQS queue" in page
    assert "Set up notifications" not in page
    assert not order_notices_subscribe(channel=channel).ok
    assert sandbox.count_calls("getDestinations") == 0


def test_a_key_that_may_not_read_the_policy_subscribes_with_a_warning_on_the_page(amazon, client, admin_user):
    channel, sandbox = amazon
    sandbox.aws_key_actions.discard("GetQueueAttributes")
    _add_queue(channel, sandbox)

    outcome = order_notices_subscribe(channel=channel)

    assert outcome.ok and "Could not read the queue's access policy" in outcome.message
    assert "ORDER_CHANGE" in sandbox.subscriptions
    assert not sandbox.notifications_on  # the warning is real: the queue was never opened to Amazon
    client.force_login(admin_user)
    page = client.get(reverse("channels:detail", args=[channel.code])).content.decode()
    card = page.split('id="order-notices"', 1)[1].split("</section>", 1)[0]
    assert 'data-notices="subscribed"' in card and "msg-warning" in card and SP_API_ACCOUNT in card


def test_a_call_with_the_applications_own_token_asks_login_with_amazon_for_that_token_only(amazon):
    channel, sandbox = amazon
    with cast(AmazonConnector, connector_for(channel)) as connector:
        connector._grantless_request("GET", "/notifications/v1/destinations", op="getDestinations")

    # One token, the application's (client_credentials): the seller's refresh token is not spent on it.
    assert sandbox.count_calls("lwa") == 1 and sandbox.count_calls("getDestinations") == 1
