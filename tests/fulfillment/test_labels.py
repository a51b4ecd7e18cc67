"""Labels at the packing bench, service level: boxes, live rates, buying once, voiding, manifests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from carriers.models import Manifest
from core.errors import Conflict, ValidationFailed
from fulfillment.models import Package, PackageStatus, ShipmentStatus
from fulfillment.services import BoxInput, shipment_accept, shipment_pack
from fulfillment.services.labels import manifest_create, package_void, shipment_labels_buy, shipment_rates
from inventory.models import SKU
from orders.models import OrderEvent
from tests.factories import SKUFactory, stocked
from tests.factories.carriers import box_type, carrier_account, sandbox_of
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db

TEE, MUG = "4006381333931", "0012345678905"


@pytest.fixture
def skus(db):
    return (
        SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode=TEE, weight_grams=300, price=Decimal("20.00")),
        SKUFactory(code="MUG-WHT", name="White mug", barcode=MUG, weight_grams=450, price=Decimal("12.00")),
    )


@pytest.fixture
def packed(web, warehouse, skus):
    """A two-box shipment from Dallas to New York: two tees in box 1, a mug in box 2."""
    tee, mug = skus
    stocked(warehouse, tee, 10)
    stocked(warehouse, mug, 10)
    warehouse.address_line1 = "2100 Ross Ave"
    warehouse.save(update_fields=["address_line1"])
    order = place_order(
        web, [("TEE-BLK-M", 2), ("MUG-WHT", 1)], line1="350 5th Ave", city="New York", region="NY"
    ).order
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    medium = box_type(warehouse)
    shipment_pack(
        shipment=shipment,
        boxes=[BoxInput([TEE, TEE], 750, medium), BoxInput([MUG], 600, None)],
        actor=None,
    )
    return shipment


def test_two_boxes_get_live_rates_and_one_label_each(packed, warehouse):
    account = carrier_account("easypost", warehouse)
    shop = shipment_rates(packed)
    assert shop.rates and not shop.problems
    assert all(len(rate.quotes) == 2 for rate in shop.rates)
    assert shop.chosen is not None and shop.chosen.amount == min(r.amount for r in shop.rates if r.on_time is not False)

    boxes = shipment_labels_buy(shipment=packed, actor=None)

    packed.refresh_from_db()
    assert packed.status == ShipmentStatus.SHIPPED
    assert [b.status for b in boxes] == [PackageStatus.LABELLED, PackageStatus.LABELLED]
    assert len({b.tracking_number for b in boxes}) == 2 and packed.tracking_number == boxes[0].tracking_number
    assert all(b.label_file.read(4) == b"%PDF" for b in boxes)
    assert all(b.account == account and b.label_rate and b.label_rate > 0 for b in boxes)
    assert sandbox_of(account).count_calls("buy") == 2


def test_a_timeout_while_buying_is_looked_up_not_bought_twice(packed, warehouse):
    account = carrier_account("easypost", warehouse)
    sandbox = sandbox_of(account)
    sandbox.timeout_next["buy"] = 1

    with pytest.raises(Conflict, match="never bought twice"):
        shipment_labels_buy(shipment=packed, actor=None)
    first = Package.objects.get(shipment=packed, box_number=1)
    assert first.status == PackageStatus.BUYING and first.idempotency_key

    boxes = shipment_labels_buy(shipment=packed, actor=None)

    assert all(b.status == PackageStatus.LABELLED for b in boxes)
    bought = [s for s in sandbox.shipments.values() if s.get("postage_label")]
    assert len(bought) == 2  # box 1 once (its answer was lost, then looked up), box 2 once
    packed.refresh_from_db()
    assert packed.status == ShipmentStatus.SHIPPED


def test_a_carrier_that_is_down_leaves_the_shipment_packable(packed, warehouse):
    account = carrier_account("easypost", warehouse)
    shipment_rates(packed)
    sandbox_of(account).fail_next["buy"] = [503]

    with pytest.raises(Conflict, match="not answering"):
        shipment_labels_buy(shipment=packed, actor=None)

    packed.refresh_from_db()
    assert packed.status == ShipmentStatus.PACKED
    assert Package.objects.get(shipment=packed, box_number=1).status == PackageStatus.PACKED


def test_a_throttled_carrier_says_when_to_try_again(packed, warehouse):
    account = carrier_account("easypost", warehouse)
    shipment_rates(packed)
    sandbox_of(account).fail_next["buy"] = [429]
    with pytest.raises(Conflict, match="try again"):
        shipment_labels_buy(shipment=packed, actor=None)
    assert shipment_labels_buy(shipment=packed, actor=None)[1].status == PackageStatus.LABELLED


def test_an_account_that_fails_to_quote_is_named_and_the_others_still_quote(packed, warehouse):
    down = carrier_account("easypost", warehouse, name="EasyPost main")
    carrier_account("shippo", warehouse, name="Shippo backup")
    sandbox_of(down).fail_next["rates"] = [500, 500]
    shop = shipment_rates(packed)
    assert any("EasyPost main" in problem for problem in shop.problems)
    assert shop.rates and {rate.account_name for rate in shop.rates} == {"Shippo backup"}


def test_staff_pick_another_rate_and_the_fastest_rule(packed, warehouse, web):
    carrier_account("shippo", warehouse)
    shop = shipment_rates(packed)
    dearest = max(shop.rates, key=lambda r: r.amount)
    boxes = shipment_labels_buy(shipment=packed, actor=None, rate_key=dearest.key)
    assert boxes[0].service == dearest.service and boxes[0].carrier == dearest.carrier


def test_void_records_the_refund_and_a_late_void_gives_the_carriers_reason(packed, warehouse):
    account = carrier_account("easypost", warehouse)
    boxes = shipment_labels_buy(shipment=packed, actor=None)

    voided = package_void(package=boxes[1], actor=None)
    assert voided.status in (PackageStatus.VOIDED, PackageStatus.VOID_PENDING)
    assert voided.refund_amount == boxes[1].label_rate
    assert OrderEvent.objects.filter(order=packed.order, message__contains="voided").exists()

    sandbox_of(account).advance(timedelta(days=120))
    with pytest.raises(ValidationFailed, match="refused to void") as refused:
        package_void(package=boxes[0], actor=None)
    assert boxes[0].tracking_number in refused.value.message
    assert Package.objects.get(pk=boxes[0].pk).status == PackageStatus.LABELLED


def test_a_voided_box_gets_a_new_label(packed, warehouse):
    carrier_account("easypost", warehouse)
    boxes = shipment_labels_buy(shipment=packed, actor=None)
    package_void(package=boxes[1], actor=None)
    again = shipment_labels_buy(shipment=packed, actor=None)
    assert again[1].status == PackageStatus.LABELLED and again[1].tracking_number != boxes[1].tracking_number
    assert again[0].tracking_number == boxes[0].tracking_number


def test_the_manifest_locks_its_labels_from_void(packed, warehouse):
    account = carrier_account("easypost", warehouse)
    boxes = shipment_labels_buy(shipment=packed, actor=None)
    made = manifest_create(location=warehouse, account=account)
    assert sum(m.parcels for m in made) == 2
    assert all(m.document.read(4) == b"%PDF" for m in made)
    with pytest.raises(Conflict, match="manifest"):
        package_void(package=Package.objects.get(pk=boxes[0].pk), actor=None)
    with pytest.raises(ValidationFailed, match="No labels"):
        manifest_create(location=warehouse, account=account)
    assert Manifest.objects.count() == len(made)


def test_an_international_box_is_refused_without_customs_data_saying_what_is_missing(web, warehouse, skus):
    tee, _ = skus
    stocked(warehouse, tee, 5)
    order = place_order(
        web, [("TEE-BLK-M", 1)], external_id="GB-1", country="GB", postal_code="SW1A 1AA", city="London", line1="1 Mall"
    ).order
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    shipment_pack(shipment=shipment, scanned=[TEE], weight_grams=400, actor=None)
    carrier_account("easypost", warehouse)

    with pytest.raises(ValidationFailed, match="TEE-BLK-M: HS code, country of origin"):
        shipment_labels_buy(shipment=shipment, actor=None)
    assert Package.objects.get(shipment=shipment).status == PackageStatus.PACKED

    SKU.objects.filter(pk=tee.pk).update(hs_code="610910", origin_country="PT", customs_value=Decimal("18.00"))
    boxes = shipment_labels_buy(shipment=shipment, actor=None)
    assert boxes[0].status == PackageStatus.LABELLED


def test_packing_again_voids_labels_of_the_old_boxes(
    packed, warehouse, django_capture_on_commit_callbacks, monkeypatch
):
    from fulfillment import tasks

    voided: list[dict] = []
    monkeypatch.setattr(tasks.bought_label_void, "delay", lambda **kwargs: voided.append(kwargs))
    account = carrier_account("easypost", warehouse)
    sandbox_of(account).fail_next["buy"] = []
    Package.objects.filter(shipment=packed, box_number=1).update(
        status=PackageStatus.LABELLED, tracking_number="9400100000000000000001", account=account, carrier="USPS"
    )
    packed.status = ShipmentStatus.PICKING
    packed.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        shipment_pack(shipment=packed, scanned=[TEE, TEE, MUG], weight_grams=1300, actor=None)
    assert [v["tracking_number"] for v in voided] == ["9400100000000000000001"]
    assert Package.objects.filter(shipment=packed).count() == 1


def test_an_empty_box_or_a_missing_weight_names_the_box(web, warehouse, skus):
    tee, mug = skus
    stocked(warehouse, tee, 5)
    stocked(warehouse, mug, 5)
    shipment = place_order(web, [("TEE-BLK-M", 1), ("MUG-WHT", 1)], external_id="B-2").order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    with pytest.raises(ValidationFailed, match="Box 2: weigh the box"):
        shipment_pack(shipment=shipment, boxes=[BoxInput([TEE], 400), BoxInput([MUG], 0)], actor=None)
    with pytest.raises(ValidationFailed, match="Box 2 is empty"):
        shipment_pack(shipment=shipment, boxes=[BoxInput([TEE, MUG], 400), BoxInput([], 100)], actor=None)
    assert not Package.objects.filter(shipment=shipment).exists()
    assert timezone.now()  # nothing was packed: the shipment is still accepted
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.ACCEPTED
