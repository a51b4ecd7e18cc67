"""Sending: the backoff schedule, Retry-After, the delivery log, replay, and the automatic disable with its alert.

Every POST goes over a real socket to the receiver on 127.0.0.1.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.errors import Conflict
from tests.webhooks.conftest import Answer
from tests.webhooks.support import owed_deliveries
from webhooks.models import AttemptTrigger, Delivery, DeliveryAttempt, DeliveryState, EventType
from webhooks.services import (
    delivery_attempt,
    delivery_claim,
    delivery_record,
    delivery_replay,
    delivery_send,
    subscription_update,
    webhooks_sweep,
)

pytestmark = pytest.mark.django_db


def _sent(delivery: Delivery) -> DeliveryAttempt:
    """Attempt the delivery now; it must be due."""
    attempt = delivery_attempt(delivery_id=delivery.pk)
    assert attempt is not None, "the delivery was not due"
    return attempt


def _time_passes(delivery: Delivery) -> None:
    """Make the delivery's next attempt due now (as if its wait had passed)."""
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_a_failing_delivery_is_retried_after_1_5_30_min_2_6_24_h_then_fails(make_endpoint, receiver):
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    receiver.default = Answer(status=500, body=b"down for maintenance")
    (delivery,) = owed_deliveries(endpoint)

    waits = []
    attempt = delivery_attempt(delivery_id=delivery.pk)
    while True:
        assert attempt is not None and not attempt.succeeded
        delivery.refresh_from_db()
        if delivery.state == DeliveryState.FAILED:
            break
        waits.append(round((delivery.next_attempt_at - attempt.started_at).total_seconds() / 10) * 10)
        assert delivery_attempt(delivery_id=delivery.pk) is None  # not due yet: nothing is sent
        assert webhooks_sweep().requeued == 0
        _time_passes(delivery)
        before = DeliveryAttempt.objects.count()
        assert webhooks_sweep().requeued == 1  # the sweep sends what came due
        assert DeliveryAttempt.objects.count() == before + 1
        attempt = DeliveryAttempt.objects.filter(delivery=delivery).order_by("-pk").first()

    assert waits == [60, 300, 1800, 7200, 21600, 86400]
    assert delivery.attempts == 7 and len(receiver.requests) == 7
    assert delivery.last_status_code == 500 and delivery.last_error == "HTTP 500"
    assert {got.webhook_id for got in receiver.requests} == {delivery.event.public_id}
    _time_passes(delivery)
    assert webhooks_sweep().requeued == 0  # failed for good: only a replay sends it again


def test_a_longer_retry_after_on_429_or_503_is_honoured(make_endpoint, receiver):
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    receiver.answer(
        Answer(status=503, headers={"Retry-After": "900"}), Answer(status=429, headers={"Retry-After": "5"})
    )
    (delivery,) = owed_deliveries(endpoint)

    first = _sent(delivery)
    delivery.refresh_from_db()
    assert round((delivery.next_attempt_at - first.started_at).total_seconds()) == 900
    _time_passes(delivery)
    second = _sent(delivery)
    delivery.refresh_from_db()
    assert round((delivery.next_attempt_at - second.started_at).total_seconds()) == 300  # the schedule is longer


def test_the_log_keeps_request_and_response_with_the_first_2_kb_of_the_body(make_endpoint, receiver):
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    receiver.answer(Answer(status=418, body=b"\x00teapot" + b"x" * 5000, headers={"X-Trace": "abc-123"}))
    (delivery,) = owed_deliveries(endpoint)

    attempt = _sent(delivery)

    attempt.refresh_from_db()
    assert attempt.response_status == 418 and not attempt.succeeded
    assert attempt.response_headers["X-Trace"] == "abc-123"
    assert len(attempt.response_body) == 2048 and "\x00" not in attempt.response_body
    assert attempt.response_body.startswith("\ufffdteapot")
    assert attempt.request_url == receiver.url
    assert attempt.request_headers["Webhook-Id"] == delivery.event.public_id
    assert attempt.request_headers["Webhook-Signature"].startswith("v1,")
    assert json.loads(attempt.request_body)["id"] == delivery.event.public_id
    assert attempt.duration_ms >= 0 and attempt.trigger == AttemptTrigger.AUTOMATIC


def test_an_endpoint_that_does_not_answer_in_time_is_a_failed_attempt(make_endpoint, receiver, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    receiver.answer(Answer(delay=1.0))
    (delivery,) = owed_deliveries(endpoint)

    attempt = _sent(delivery)

    assert attempt.response_status is None and attempt.error == "No answer within 0.3 s."
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1


def test_replay_sends_a_failed_delivery_again_with_the_same_webhook_id(
    make_endpoint, receiver, settings, administrator
):
    settings.WEBHOOKS_RETRY_SCHEDULE = ()  # one attempt, then failed
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    receiver.answer(Answer(status=500))
    (delivery,) = owed_deliveries(endpoint)
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED

    attempt = delivery_replay(delivery=delivery, actor=administrator)

    assert attempt is not None and attempt.succeeded and attempt.trigger == AttemptTrigger.REPLAY
    delivery.refresh_from_db()
    assert (delivery.state, delivery.replayed_by) == (DeliveryState.SUCCEEDED, administrator)
    assert [got.webhook_id for got in receiver.requests] == [delivery.event.public_id] * 2
    assert receiver.requests[0].body == receiver.requests[1].body

    delivery_replay(delivery=delivery, actor=administrator)  # a delivered one can be replayed too
    assert receiver.processed == [delivery.event.public_id]  # and the receiver acts on it once


def test_replay_is_refused_while_the_endpoint_is_disabled(make_endpoint, administrator):
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    (delivery,) = owed_deliveries(endpoint)
    subscription_update(
        subscription=endpoint,
        name=endpoint.name,
        url=endpoint.url,
        event_types=endpoint.event_types,
        is_active=False,
        actor=administrator,
    )
    with pytest.raises(Conflict, match="disabled"):
        delivery_replay(delivery=delivery, actor=administrator)


def test_twenty_failures_in_a_row_disable_the_endpoint_and_email_the_administrators(
    make_endpoint, receiver, administrator, django_capture_on_commit_callbacks
):
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    receiver.default = Answer(status=503)
    deliveries = owed_deliveries(endpoint, count=21)

    with django_capture_on_commit_callbacks(execute=True):
        for delivery in deliveries[:19]:
            delivery_attempt(delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 19 and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        delivery_attempt(delivery_id=deliveries[19].pk)

    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert "20 failed deliveries in a row" in endpoint.disabled_reason and "HTTP 503" in endpoint.disabled_reason
    (alert,) = mail.outbox
    assert alert.to == ["admin@example.com"] and endpoint.name in alert.subject
    assert endpoint.alert_sent_to == "admin@example.com"

    # Disabled: the 21st is held, and new events make no deliveries for it.
    assert delivery_attempt(delivery_id=deliveries[20].pk) is None
    assert owed_deliveries(endpoint) == []
    assert len(receiver.requests) == 20

    # Fixed and enabled again: the waiting deliveries go out.
    receiver.default = Answer(status=204)
    subscription_update(
        subscription=endpoint,
        name=endpoint.name,
        url=endpoint.url,
        event_types=endpoint.event_types,
        is_active=True,
        actor=administrator,
    )
    webhooks_sweep()
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    assert Delivery.objects.filter(subscription=endpoint, state=DeliveryState.SUCCEEDED).count() == 21


def test_a_success_ends_the_run_of_failures(make_endpoint, receiver):
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    receiver.answer(*[Answer(status=500)] * 19, Answer(status=200), *[Answer(status=500)] * 19)
    for delivery in owed_deliveries(endpoint, count=39):
        delivery_attempt(delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 19


def test_a_sender_whose_lease_ran_out_cannot_overwrite_its_successor(make_endpoint, receiver, settings):
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    (delivery,) = owed_deliveries(endpoint)
    long_ago = timezone.now() - timedelta(seconds=settings.WEBHOOKS_CLAIM_LEASE_SECONDS + 5)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=long_ago)
    slow = delivery_claim(delivery_id=delivery.pk, now=long_ago)  # claimed, then stalled past its lease
    assert slow is not None

    successor = delivery_attempt(delivery_id=delivery.pk)  # takes the expired claim and delivers
    assert successor is not None and successor.succeeded

    receiver.answer(Answer(status=500))
    headers, outcome = delivery_send(slow)
    delivery_record(slow, headers=headers, outcome=outcome, started_at=long_ago)

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED  # the late failure is logged, not applied
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 2
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
