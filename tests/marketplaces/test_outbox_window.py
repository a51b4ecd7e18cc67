"""The coalescing window: many stock changes in one window queue one pass, whatever its length."""

from __future__ import annotations

import uuid

import pytest

from marketplaces import outbox

pytestmark = pytest.mark.django_db


def test_a_window_under_a_second_queues_once_in_each_window_across_processes():
    gate = f"test-gate:{uuid.uuid4().hex}"
    start = 1_800_000_000.0  # the start of a quarter-second window

    assert outbox._first_in_window(7, gate, 0.25, now=start)
    assert not outbox._first_in_window(7, gate, 0.25, now=start + 0.1)  # same window, this process
    outbox._recently_queued.pop(7)  # another process: only the shared cache knows
    assert not outbox._first_in_window(7, gate, 0.25, now=start + 0.2)

    # The next window queues again, a quarter second later, not a whole second (the cache's resolution).
    assert outbox._first_in_window(7, gate, 0.25, now=start + 0.3)
    outbox._recently_queued.pop(7)
    assert not outbox._first_in_window(7, gate, 0.25, now=start + 0.4)
    assert outbox._first_in_window(7, gate, 0.25, now=start + 0.55)


def test_the_default_window_of_a_second_still_queues_once_a_second():
    gate = f"test-gate:{uuid.uuid4().hex}"
    start = 1_800_000_000.0

    assert outbox._first_in_window(8, gate, 1.0, now=start + 0.1)
    assert not outbox._first_in_window(8, gate, 1.0, now=start + 0.9)
    assert outbox._first_in_window(8, gate, 1.0, now=start + 1.05)
