"""Fixtures of the order edit tests: a small network where distance decides the plan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fulfillment.demo import seed_carriers
from fulfillment.services import cost_model_forget
from inventory.models import LocationKind
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import ChannelFactory


@pytest.fixture
def network(db: Any) -> dict[str, Any]:
    """A Dallas and a New York warehouse with the demo rate cards: the nearer one is cheaper."""
    seed_carriers()
    cost_model_forget()
    dallas: Any = LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    newyork: Any = LocationFactory(
        code="nyc-dc",
        name="New York DC",
        kind=LocationKind.WAREHOUSE,
        postal_code="10001",
        city="New York",
        region="NY",
        latitude=Decimal("40.750600"),
        longitude=Decimal("-73.997200"),
        timezone="America/New_York",
    )
    tee: Any = SKUFactory(code="TEE-BLK-M", name="Black tee, M", price=Decimal("20.00"))
    mug: Any = SKUFactory(code="MUG-WHT", name="White mug", price=Decimal("8.00"))
    for location in (dallas, newyork):
        stocked(location, tee, 10)
        stocked(location, mug, 10)
    return {"dallas": dallas, "newyork": newyork, "tee": tee, "mug": mug, "web": ChannelFactory(code="web")}
