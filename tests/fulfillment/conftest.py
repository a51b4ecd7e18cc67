"""Fixtures shared by several fulfillment test modules."""

from __future__ import annotations

import pytest

from tests.factories.orders import ChannelFactory, channel_key


@pytest.fixture
def web(db):
    """The own web shop: the channel most fulfillment tests place their orders in."""
    return ChannelFactory(code="web", name="Web shop")


@pytest.fixture
def web_key(web):
    """An API key of the web shop, as `Authorization: Token <key>` expects it."""
    return channel_key(web)


@pytest.fixture
def market(db):
    """A second channel, to prove one channel's key never sees another's orders."""
    return ChannelFactory(code="market", name="Marketplace")
