import pytest

from fulfillment.services import cost_model_forget
from tests.factories.orders import ChannelFactory, channel_key


@pytest.fixture(autouse=True)
def _fresh_cost_model():
    cost_model_forget()
    yield
    cost_model_forget()


@pytest.fixture
def web(db):
    return ChannelFactory(code="web", name="Web shop")


@pytest.fixture
def web_key(web):
    return channel_key(web)


@pytest.fixture
def market(db):
    return ChannelFactory(code="market", name="Marketplace")
