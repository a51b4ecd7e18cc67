"""Queueing Celery work whose record is already in the database.

The product never relies on the broker alone: every piece of queued work (a push, a
confirmation, a backorder retry, a webhook delivery) is first recorded in a table, and a beat
task sweeps that table. So when the broker cannot take a task, the right answer is to log it
and go on: the sweep picks the work up. These helpers say that in their names.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def queue_or_leave_to_beat(task: Any, *args: Any, countdown: float | None = None, **kwargs: Any) -> bool:
    """Queue `task(*args, **kwargs)` now (after `countdown` seconds); False if the broker refused it.

    A refusal is logged, never raised: the caller's work is committed and a beat sweep does it.
    """
    try:
        if countdown is None:
            task.delay(*args, **kwargs)
        else:
            task.apply_async(args=args, kwargs=kwargs, countdown=countdown)
    except Exception:
        logger.exception("Could not queue %s%s; the beat sweep will do it.", getattr(task, "name", task), args)
        return False
    return True


def queue_on_commit_or_leave_to_beat(task: Any, *args: Any, **kwargs: Any) -> None:
    """Queue `task` once the current transaction commits (never if it rolls back); see `queue_or_leave_to_beat`."""
    transaction.on_commit(functools.partial(queue_or_leave_to_beat, task, *args, **kwargs))


def cache_add_or_true(key: str, *, timeout: int) -> bool:
    """`cache.add(key)`: True for the first caller until `timeout`; True as well if the cache is down.

    Used to queue a task once per window. With the cache down, queueing twice is the safe side:
    the tasks are idempotent, and skipping would leave the work to the slower beat sweep.
    """
    try:
        return bool(cache.add(key, 1, timeout=timeout))
    except Exception:
        logger.exception("The cache refused %s; queueing anyway.", key)
        return True


#: The last window each key was queued for by this process: most callers skip the cache round trip.
_windows_queued: dict[str, int] = {}
_windows_lock = threading.Lock()


def queue_for_window(task: Any, *, key: str, stamp: datetime, window: float, settle: float) -> bool:
    """Queue `task(since=, until=)` once for the `window`-second slice of time that `stamp` falls in.

    For work owed for every row written at `stamp` (an order's `created_at`) that one task can
    do for a whole slice: many requests in one second cost one broker message instead of one
    each. The slices are aligned on the clock, so every process computes the same one for a
    stamp; the first caller per slice (this process's memory, then `cache.add` across
    processes; with the cache down, every caller) queues the task to run `settle` seconds after
    the slice ends, so rows stamped near its end have committed by then. Call it after the row
    commits. Returns whether this call queued; a broker refusal is logged and left to the beat
    sweep, like `queue_or_leave_to_beat`.
    """
    index = math.floor(stamp.timestamp() / window)
    with _windows_lock:
        if _windows_queued.get(key) == index:
            return False
        _windows_queued[key] = index
    if not cache_add_or_true(f"{key}:{index}", timeout=math.ceil(window + settle) + 60):
        return False
    since = datetime.fromtimestamp(index * window, tz=UTC)
    until = since + timedelta(seconds=window)
    countdown = max(0.0, (until - timezone.now()).total_seconds()) + settle
    return queue_or_leave_to_beat(task, since=since.isoformat(), until=until.isoformat(), countdown=countdown)


def queue_on_commit_by_window(
    task: Any,
    window_task: Any,
    *,
    window_key: str,
    stamp: datetime,
    window: float = 1.0,
    settle: float = 2.0,
    **kwargs: Any,
) -> None:
    """After commit, have `task(**kwargs)` done for a row stamped `stamp`, one message per window.

    `window_task(since=, until=)` queues `task` for every row of its window (see
    `queue_for_window`). In eager mode (no broker: tests, the embedded demo) `task` runs at once
    for this row, as a countdown would not wait and a window already queued would drop the row.
    """
    if task.app.conf.task_always_eager:
        queue_on_commit_or_leave_to_beat(task, **kwargs)
        return
    transaction.on_commit(
        functools.partial(queue_for_window, window_task, key=window_key, stamp=stamp, window=window, settle=settle)
    )
