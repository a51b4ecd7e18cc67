"""Fixtures shared by several fulfillment test modules."""

from __future__ import annotations

import pytest

from tests.factories.orders import ChannelFactory


@pytest.fixture
def web(db):
    """The own web shop: the channel most fulfillment tests place their orders in."""
    return ChannelFactory(code="web", name="Web shop")
