"""Sweeps: beat tasks that walk due rows and act on each one on its own."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

logger = logging.getLogger(__name__)

Item = TypeVar("Item")


def sweep_each(items: Iterable[Item], action: Callable[[Item], bool], *, failure: str) -> list[Item]:
    """Run `action` on each item in turn; returns the items it acted on (those it returned True for).

    Each action takes its own transaction, so one item's failure rolls back only that item: it
    is logged (`failure` % item) and the sweep goes on. The rows stay due, so the next run
    tries them again.
    """
    done = []
    for item in items:
        try:
            if action(item):
                done.append(item)
        except Exception:
            logger.exception(failure, item)
    return done
