"""Webhooks processed in one coalescing window release a channel's capped rows once, after it."""

from __future__ import annotations

import math
import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from marketplaces import outbox
from marketplaces.models import PushState, StockOutbox
from marketplaces.services.stock_sync import caps
from marketplaces.tasks import release_capped_task

WINDOW = 30.0  # long enough that the calls of one test never straddle two windows


class RecordingTask:
    """Stands where the Celery task would: keeps what the broker would have been sent."""

    name = "tests.release"

    def __init__(self) -> None:
        self.sent: list[tuple[tuple, float]] = []
        self.app = SimpleNamespace(conf=SimpleNamespace(task_always_eager=False))

    def apply_async(self, *, args: tuple, kwargs: dict[str, Any], countdown: float) -> None:
        self.sent.append((args, countdown))


@pytest.fixture
def broker(monkeypatch, settings) -> RecordingTask:
    settings.CHANNELS_PUSH_COALESCE_SECONDS = WINDOW
    outbox._recently_queued.clear()
    index = math.floor(time.time() / WINDOW)
    cache.delete_many([f"channels:release-queued:{n}:{i}" for n in (101, 102) for i in (index, index + 1)])
    task = RecordingTask()
    monkeypatch.setattr(caps, "release_capped_task", task)
    return task


def test_many_imports_in_one_window_queue_one_release_per_channel_after_the_window(broker):
    for channel_id in (101, 101, 102, 101):
        caps.release_capped_soon(channel_id)

    assert broker.sent == [((101,), WINDOW), ((102,), WINDOW)]  # each runs once its window has closed


def test_another_process_does_not_queue_a_window_the_first_already_queued(broker):
    caps.release_capped_soon(101)
    outbox._recently_queued.clear()  # what another worker process starts with

    caps.release_capped_soon(101)

    assert broker.sent == [((101,), WINDOW)]


def test_the_queued_release_makes_the_capped_rows_due_again(make_channel, skus, settings):
    settings.CHANNELS_QUEUE_PUSHES = False
    web, _ = make_channel("shopify", skus=skus[:2])
    StockOutbox.objects.filter(channel=web).update(state=PushState.APPLIED, last_error="")
    StockOutbox.objects.filter(channel=web, sku=skus[0]).update(last_error=caps.CAPPED_NOTE, changed_at=timezone.now())
    capped = StockOutbox.objects.get(channel=web, sku=skus[0])
    pushed = StockOutbox.objects.get(channel=web, sku=skus[1])

    assert release_capped_task.apply(args=(web.pk,)).get() == 1

    capped.refresh_from_db()
    pushed.refresh_from_db()
    assert (capped.state, capped.last_error) == (PushState.PENDING, "")
    assert pushed.state == PushState.APPLIED  # a row that was pushed, not held, is left alone
