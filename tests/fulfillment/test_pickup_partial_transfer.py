"""A pickup's transfer received only in part is still on its way: no second transfer, and a cancel says so."""

from __future__ import annotations

import pytest

from core.errors import Conflict
from fulfillment.models import PickupStatus
from fulfillment.services import order_cancel, pickup_transfer_to_store
from inventory.models import LocationKind, StockLevel, TransferStatus
from inventory.services import transfer_ship
from inventory.services.transfers import ReceiptLine, transfer_receipt_record
from orders.models import OrderEvent
from tests.factories import stocked
from tests.factories.pages import make_location, make_sku
from tests.factories.stores import make_store, place_pickup, set_store_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def partly_received(web):
    shop = set_store_settings(make_store("nyc-store", name="New York Store"), hold_days=3, reminder_hours=24)
    warehouse = make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE, priority=10)
    tee = make_sku(code="TEE-BLK-M", name="Black tee, M")
    stocked(shop, tee, 1)
    stocked(warehouse, tee, 10)
    pickup = place_pickup(web, shop, [("TEE-BLK-M", 4)])
    transfer = transfer_ship(transfer=pickup_transfer_to_store(pickup=pickup, actor=None), actor=None)
    transfer_receipt_record(transfer=transfer, actor=None, lines=[ReceiptLine(tee.pk, received=1)])
    assert transfer.lines.get().quantity == 3
    pickup.refresh_from_db()
    return pickup, transfer, shop, tee


def test_no_second_transfer_while_the_first_is_partly_received(partly_received):
    pickup, transfer, _shop, _tee = partly_received
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PARTIALLY_RECEIVED

    with pytest.raises(Conflict, match="already bringing"):
        pickup_transfer_to_store(pickup=pickup, actor=None)
    assert pickup.status == PickupStatus.NEW  # waits for the rest


def test_cancelling_the_order_says_the_rest_of_the_transfer_still_comes(partly_received):
    pickup, _transfer, shop, tee = partly_received

    order_cancel(order=pickup.order, actor=None, reason="customer changed their mind")

    assert OrderEvent.objects.filter(order=pickup.order, message__contains="already on its way to nyc-store").exists()
    assert StockLevel.objects.get(location=shop, sku=tee).in_transit == 2
