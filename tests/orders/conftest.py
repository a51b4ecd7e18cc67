import pytest

from tests.factories.orders import ChannelFactory, channel_key


@pytest.fixture
def web(db):
    return ChannelFactory(code="web", name="Web shop")


@pytest.fixture
def web_key(web):
    return channel_key(web)


@pytest.fixture
def market(db):
    return ChannelFactory(code="market", name="Marketplace")
