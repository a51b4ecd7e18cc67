"""Fixtures shared by several fulfillment test modules.

The consolidation network (`network`): Columbus (cmh-dc) holds the mug, Dallas (dal-dc) the tee,
a linehaul lane runs from Dallas to Columbus, and routing may consolidate. A customer in New York
who orders both gets one box from Columbus with the tee trucked in.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from fulfillment.models import LinehaulLane, RoutingPolicy
from inventory.models import LocationKind
from tests.factories import LocationFactory, SKUFactory, stocked
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


@pytest.fixture
def cmh(db):
    return LocationFactory(
        code="cmh-dc",
        name="Columbus DC",
        kind=LocationKind.WAREHOUSE,
        postal_code="43215",
        latitude=Decimal("39.961200"),
        longitude=Decimal("-83.000700"),
        timezone="America/New_York",
    )


@pytest.fixture
def dal(db):
    return LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)


@pytest.fixture
def mug(db):
    return SKUFactory(code="MUG-1", name="Mug", weight_grams=400)


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-1", name="Tee", weight_grams=200)


@pytest.fixture
def network(cmh, dal, mug, tee):
    """Mugs at Columbus, tees at Dallas, a lane from Dallas to Columbus, consolidation allowed."""
    stocked(cmh, mug, 5)
    stocked(dal, tee, 5)
    LinehaulLane.objects.create(origin=dal, destination=cmh, cost_per_unit=Decimal("0.40"), transit_days=2)
    RoutingPolicy.objects.create(channel=None, allow_consolidation=True)
    return cmh, dal
