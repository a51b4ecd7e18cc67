"""Queueing Celery work whose record is already in the database.

The product never relies on the broker alone: every piece of queued work (a push, a
confirmation, a backorder retry, a webhook delivery) is first recorded in a table, and a beat
task sweeps that table. So when the broker cannot take a task, the right answer is to log it
and go on: the sweep picks the work up. These helpers say that in their names.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.core.cache import cache
from django.db import transaction

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
