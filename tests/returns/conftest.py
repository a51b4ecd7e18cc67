import pytest

from fulfillment.services import cost_model_forget
from tests.factories.returns import return_network


@pytest.fixture(autouse=True)
def _fresh_cost_model():
    cost_model_forget()
    yield
    cost_model_forget()


@pytest.fixture
def net(db):
    return return_network()
