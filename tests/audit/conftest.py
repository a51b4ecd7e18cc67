"""Audit fixtures: act as a person outside a request (services called directly)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from django.test import RequestFactory
from simple_history.models import HistoricalRecords


@contextmanager
def _acting_as(user: Any) -> Iterator[None]:
    """What HistoryRequestMiddleware does for a request made by `user`."""
    request = RequestFactory().post("/")
    request.user = user
    HistoricalRecords.context.request = request
    try:
        yield
    finally:
        del HistoricalRecords.context.request


@pytest.fixture
def acting_as() -> Callable[[Any], AbstractContextManager[None]]:
    return _acting_as
