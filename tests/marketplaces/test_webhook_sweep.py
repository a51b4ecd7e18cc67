"""Webhooks: pings store nothing, odd signatures are refused, lost deliveries are picked up again."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from marketplaces.models import ChannelSync, CredentialStatus, DeliveryStatus, WebhookDelivery
from marketplaces.tasks import webhook_process_task, webhooks_sweep
from orders.models import Order
from tests.marketplaces.test_orders import deliver


def test_a_woocommerce_ping_is_answered_and_nothing_is_stored(make_channel, client):
    channel, _ = make_channel("woocommerce")
    for n in range(3):  # unsigned: anybody can send these, so none may fill the table
        response = client.post(
            reverse("channels:webhook", args=[channel.code]),
            data=f"webhook_id={n}",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
    assert not WebhookDelivery.objects.exists()


def test_a_non_ascii_signature_is_refused_with_401(make_channel, skus, client):
    channel, sandbox = make_channel("shopify")
    sandbox.create_order([(skus[0].code, 1)])
    hook = sandbox.take_webhooks()[0]
    hook.headers["X-Shopify-Hmac-Sha256"] = "sïgnätüre=="
    response = deliver(client, channel, hook)
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_the_sweep_processes_deliveries_whose_task_was_lost(make_channel, dc, skus, client):
    channel, sandbox = make_channel("shopify")
    sandbox.create_order([(skus[0].code, 1)], zip="10001")
    deliver(client, channel, sandbox.take_webhooks()[0])  # on_commit never runs here: the task is "lost"
    delivery = WebhookDelivery.objects.get(channel=channel)
    assert webhooks_sweep() == 0  # too recent: its task may still be on its way

    WebhookDelivery.objects.filter(pk=delivery.pk).update(received_at=timezone.now() - timedelta(minutes=10))
    assert webhooks_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PROCESSED
    assert Order.objects.filter(channel=channel).count() == 1


def test_the_sweep_gives_up_after_a_day_and_skips_expired_credentials(make_channel, skus, client):
    channel, sandbox = make_channel("shopify")
    for _ in range(2):
        sandbox.create_order([(skus[0].code, 1)], zip="10001")
    for hook in sandbox.take_webhooks():
        deliver(client, channel, hook)
    first, second = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=first.pk).update(received_at=timezone.now() - timedelta(days=2))
    WebhookDelivery.objects.filter(pk=second.pk).update(received_at=timezone.now() - timedelta(minutes=10))
    ChannelSync.objects.filter(channel=channel).update(credential_status=CredentialStatus.EXPIRED)

    assert webhooks_sweep() == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == DeliveryStatus.FAILED and "order poll" in first.error
    assert second.status == DeliveryStatus.RECEIVED  # waits for new credentials


def test_refused_credentials_are_not_retried(make_channel, skus, client):
    channel, sandbox = make_channel("shopify")
    sandbox.create_order([(skus[0].code, 1)], zip="10001")
    deliver(client, channel, sandbox.take_webhooks()[0])
    delivery = WebhookDelivery.objects.get(channel=channel)
    sandbox.revoked = True
    calls = sandbox.count_calls()

    assert webhook_process_task.apply(args=(delivery.pk,)).get() == "credentials expired"

    assert sandbox.count_calls() - calls == 1  # one refused call, not eight retries
    assert ChannelSync.objects.get(channel=channel).credential_status == CredentialStatus.EXPIRED
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RECEIVED
