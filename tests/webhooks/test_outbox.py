"""Nothing lost: events commit with the change (and only then); a task never queued, a message lost with Redis,
and a worker killed mid-send all end in one delivery the receiver acts on once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from tests.factories.orders import place_order
from tests.factories.returns import return_network
from tests.webhooks.conftest import Received
from tests.webhooks.support import owed_deliveries
from webhooks.models import Delivery, DeliveryAttempt, DeliveryState, Event, EventType
from webhooks.services import delivery_claim, subscription_create, webhooks_sweep
from webhooks.tasks import deliver_task, publish_task

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def net(db):
    return return_network()


def _lose_messages(monkeypatch, *tasks) -> None:
    """The broker takes the tasks and loses them (Redis restarted empty): nothing runs them."""
    for task in tasks:
        monkeypatch.setattr(task, "delay", lambda *args, **kwargs: None)
        monkeypatch.setattr(task, "apply_async", lambda *args, **kwargs: None)


@pytest.mark.django_db
def test_an_event_is_written_only_if_the_change_commits(
    net, make_endpoint, receiver, django_capture_on_commit_callbacks
):
    make_endpoint([EventType.ORDER_CREATED])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        place_order(net.channel, [("TEE-BLK-M", 1)], external_id="W-ROLLED-BACK")
        assert Event.objects.filter(type=EventType.ORDER_CREATED).count() == 1  # in the change's transaction
        raise RuntimeError("the request failed after the order was written")

    assert not Event.objects.exists()
    assert receiver.requests == []


@pytest.mark.django_db
def test_publication_never_queued_is_done_by_the_sweep(
    net, make_endpoint, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    make_endpoint([EventType.ORDER_CREATED, EventType.ORDER_ROUTED])
    _lose_messages(monkeypatch, publish_task, deliver_task)
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(net.channel, [("TEE-BLK-M", 1)], external_id="W-LOST").order
    assert receiver.requests == []
    assert Event.objects.filter(published_at__isnull=True).count() == 2
    monkeypatch.undo()  # the broker is back

    with django_capture_on_commit_callbacks(execute=True):
        report = webhooks_sweep()

    assert report.published == 2
    assert sorted(receiver.processed) == sorted(Event.objects.values_list("public_id", flat=True))
    assert {got.headers["webhook-id"] for got in receiver.requests} == set(receiver.processed)
    assert all(str(order.pk) in got.body.decode() for got in receiver.requests)


@pytest.mark.django_db
def test_a_delivery_whose_task_was_lost_is_queued_again_once_its_queueing_is_stale(
    make_endpoint, receiver, monkeypatch, settings, django_capture_on_commit_callbacks
):
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    _lose_messages(monkeypatch, deliver_task)
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = owed_deliveries(endpoint)  # published and queued... into a broker that loses it
    monkeypatch.undo()
    assert receiver.requests == []

    assert webhooks_sweep().requeued == 0  # just queued: it may still be in the broker
    later = timezone.now() + timedelta(seconds=settings.WEBHOOKS_CLAIM_LEASE_SECONDS + 1)
    assert webhooks_sweep(now=later).requeued == 1

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED
    assert receiver.processed == [delivery.event.public_id]


@pytest.mark.django_db
def test_a_claim_abandoned_mid_send_is_sent_again_after_its_lease_and_the_receiver_acts_once(
    make_endpoint, receiver, settings
):
    settings.WEBHOOKS_CLAIM_LEASE_SECONDS = 1
    endpoint, _ = make_endpoint([EventType.STOCK_CHANGED])
    (delivery,) = owed_deliveries(endpoint)
    dead = delivery_claim(delivery_id=delivery.pk)  # a worker claims it, POSTs, and dies before recording
    assert dead is not None
    Delivery.objects.filter(pk=delivery.pk).update(queued_at=None)

    assert webhooks_sweep().requeued == 0  # the claim is fresh: its worker may still be sending
    time.sleep(1.1)
    assert webhooks_sweep().requeued == 1

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED
    assert receiver.processed == [delivery.event.public_id]


def _worker_env() -> dict[str, str]:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    url = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.test")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_loses_nothing(receiver, monkeypatch, settings):
    """A real process claims the delivery and POSTs it; the receiver kills it (SIGKILL) before answering."""
    settings.WEBHOOKS_CLAIM_LEASE_SECONDS = 2
    endpoint = subscription_create(
        name="ERP", url=receiver.url, event_types=[EventType.STOCK_CHANGED], actor=None
    ).subscription
    _lose_messages(monkeypatch, deliver_task)  # this process must not send it: the worker will
    (delivery,) = owed_deliveries(endpoint)
    monkeypatch.undo()

    worker: dict[str, subprocess.Popen[bytes]] = {}
    killed = threading.Event()

    def kill_the_worker(got: Received) -> bool:
        if killed.is_set():
            return True
        worker["process"].send_signal(signal.SIGKILL)
        worker["process"].wait(timeout=10)
        killed.set()
        return False  # hang up: the worker never hears an answer

    receiver.on_request = kill_the_worker
    code = (
        "import django; django.setup(); from webhooks.services import delivery_attempt; "
        f"delivery_attempt(delivery_id={delivery.pk})"
    )
    worker["process"] = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=_worker_env())  # noqa: S603
    assert killed.wait(timeout=60), "the worker never sent the delivery"
    assert worker["process"].returncode == -signal.SIGKILL

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENDING  # claimed by a worker that is gone
    assert webhooks_sweep().requeued == 0  # not before its lease runs out
    time.sleep(2.1)
    assert webhooks_sweep().requeued == 1

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED
    assert [got.webhook_id for got in receiver.requests] == [delivery.event.public_id] * 2  # sent twice...
    assert receiver.processed == [delivery.event.public_id]  # ...acted on once
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 1  # the dead worker recorded nothing


@pytest.mark.django_db
def test_with_the_cache_down_events_are_still_recorded(
    net, make_endpoint, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    make_endpoint([EventType.ORDER_CREATED])

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    for name in ("get", "set", "delete", "add"):
        monkeypatch.setattr(cache, name, down)
    with django_capture_on_commit_callbacks(execute=True):
        place_order(net.channel, [("TEE-BLK-M", 1)], external_id="W-NO-REDIS")

    assert len(receiver.of_type(EventType.ORDER_CREATED)) == 1
