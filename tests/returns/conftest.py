import pytest

from tests.factories.returns import return_network


@pytest.fixture
def net(db):
    return return_network()
