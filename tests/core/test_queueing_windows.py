"""One broker message per window of time for work owed per row (an order's address check)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache

from core import queueing
from core.queueing import queue_for_window, queue_on_commit_by_window


class RecordingTask:
    """Stands where a Celery task would: keeps what the broker would have been sent."""

    name = "tests.recording"

    def __init__(self, *, eager: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.app = SimpleNamespace(conf=SimpleNamespace(task_always_eager=eager))

    def apply_async(self, *, args: tuple, kwargs: dict[str, Any], countdown: float) -> None:
        self.sent.append({**kwargs, "countdown": countdown})

    def delay(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


@pytest.fixture
def task() -> RecordingTask:
    queueing._windows_queued.clear()
    cache.delete_many([f"tests:window:{n}" for n in range(1_800_000_000, 1_800_000_010)])
    return RecordingTask()


def queue(task: RecordingTask, stamp: datetime) -> bool:
    return queue_for_window(task, key="tests:window", stamp=stamp, window=1.0, settle=2.0)


SECOND = datetime.fromtimestamp(1_800_000_000, tz=UTC)


def test_many_rows_in_one_second_cost_one_message_for_that_second(task):
    queued = [queue(task, SECOND + timedelta(milliseconds=ms)) for ms in (0, 250, 999)]

    assert queued == [True, False, False]
    assert [(m["since"], m["until"]) for m in task.sent] == [
        (SECOND.isoformat(), (SECOND + timedelta(seconds=1)).isoformat())
    ]
    assert task.sent[0]["countdown"] >= 2.0  # runs once the second has closed and its rows committed


def test_the_next_second_gets_its_own_message(task):
    queue(task, SECOND + timedelta(milliseconds=500))
    queue(task, SECOND + timedelta(milliseconds=1500))

    assert [m["since"] for m in task.sent] == [SECOND.isoformat(), (SECOND + timedelta(seconds=1)).isoformat()]


def test_another_process_does_not_queue_a_second_the_first_already_queued(task):
    queue(task, SECOND)
    queueing._windows_queued.clear()  # what another process would start with

    assert queue(task, SECOND + timedelta(milliseconds=10)) is False
    assert len(task.sent) == 1


@pytest.mark.django_db
def test_rows_committed_in_one_second_queue_one_window_and_nothing_before_the_commit(
    task, django_capture_on_commit_callbacks
):
    each = RecordingTask()
    with django_capture_on_commit_callbacks(execute=False) as pending:
        for row in (1, 2, 3):
            queue_on_commit_by_window(each, task, window_key="tests:window", stamp=SECOND, row=row)
    assert task.sent == [] and each.sent == []  # nothing while the transaction is open

    for callback in pending:
        callback()

    assert [m["since"] for m in task.sent] == [SECOND.isoformat()] and each.sent == []


@pytest.mark.django_db
def test_without_a_broker_each_row_is_done_at_once(task, django_capture_on_commit_callbacks):
    each = RecordingTask(eager=True)
    with django_capture_on_commit_callbacks(execute=True):
        for row in (1, 2):
            queue_on_commit_by_window(each, task, window_key="tests:window", stamp=SECOND, row=row)

    assert each.sent == [{"row": 1}, {"row": 2}] and task.sent == []
