"""Fixtures of the analytics tests: a channel, two SKUs, carriers, and `ship` to walk a shipment to shipped."""

from __future__ import annotations

from typing import Any

import pytest

from fulfillment.demo import seed_carriers
from fulfillment.services import cost_model_forget, shipment_accept, shipment_label, shipment_pack
from tests.factories import SKUFactory
from tests.factories.orders import ChannelFactory


@pytest.fixture
def web(db: Any) -> Any:
    return ChannelFactory(code="web", name="Web shop")


@pytest.fixture
def market(db: Any) -> Any:
    return ChannelFactory(code="market", name="Marketplace")


@pytest.fixture
def tee(db: Any) -> Any:
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode="4006381333931", weight_grams=300)


@pytest.fixture
def mug(db: Any) -> Any:
    return SKUFactory(code="MUG-WHT", name="White mug", barcode="0012345678905", weight_grams=450)


@pytest.fixture
def carriers(db: Any) -> None:
    seed_carriers()
    cost_model_forget()


def ship(shipment: Any) -> Any:
    """Accept, pack (every unit scanned) and label a shipment: it ships. Returns its box."""
    shipment_accept(shipment=shipment, actor=None)
    scans = [line.sku.barcode for line in shipment.lines.select_related("sku") for _ in range(line.quantity)]
    shipment_pack(shipment=shipment, scanned=scans, weight_grams=700, actor=None)
    return shipment_label(shipment=shipment, actor=None)
