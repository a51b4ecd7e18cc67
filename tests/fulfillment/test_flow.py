"""Work at a location, service level: accept, pick list, pack with scans, label, ship, track, deliver."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carriers.builtin import (
    CarrierError,
    CarrierSandbox,
    CarrierUnavailable,
    TrackRequest,
    tracking_number_for,
    tracking_number_valid,
)
from carriers.connectors.base import TrackingReport
from core.errors import Conflict, ValidationFailed
from fulfillment import tasks
from fulfillment.demo import seed_carriers
from fulfillment.models import (
    Package,
    PickListStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    TrackingStatus,
)
from fulfillment.services import (
    PickLine,
    TrackingRefresh,
    cost_model_forget,
    order_cancel,
    package_tracking_record,
    picklist_close,
    picklist_create,
    picklist_lines,
    shipment_accept,
    shipment_deliver,
    shipment_label,
    shipment_pack,
    shipment_transition,
    tracking_refresh,
)
from fulfillment.tasks import tracking_poll
from inventory.models import LocationKind, MovementKind, StockLevel, StockMovement
from inventory.services import ledger_verify
from orders.models import OrderEvent, OrderStatus
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db

TEE_BARCODE = "4006381333931"
MUG_BARCODE = "0012345678905"


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode=TEE_BARCODE, weight_grams=300)


@pytest.fixture
def mug(db):
    return SKUFactory(code="MUG-WHT", name="White mug", barcode=MUG_BARCODE, weight_grams=450)


@pytest.fixture
def atlanta(db):
    return LocationFactory(
        code="atl-dc",
        name="Atlanta DC",
        kind=LocationKind.WAREHOUSE,
        city="Atlanta",
        region="GA",
        postal_code="30303",
        latitude="33.749000",
        longitude="-84.388000",
        timezone="America/New_York",
    )


@pytest.fixture
def carriers(db):
    seed_carriers()
    cost_model_forget()


def levels(location, sku) -> tuple[int, int]:
    level = StockLevel.objects.get(location=location, sku=sku)
    return level.on_hand, level.reserved


def status_of(obj) -> str:
    obj.refresh_from_db()
    return obj.status


def scans_for(shipment) -> list[str]:
    return [line.sku.barcode for line in shipment.lines.select_related("sku") for _ in range(line.quantity)]


def work_to_shipped(shipment, actor=None) -> Package:
    shipment_accept(shipment=shipment, actor=actor)
    shipment_pack(shipment=shipment, scanned=scans_for(shipment), weight_grams=700, actor=actor)
    return shipment_label(shipment=shipment, actor=actor)


def test_an_order_walks_from_new_to_delivered_and_the_ledger_follows(web, warehouse, tee, carriers, operator_user):
    stocked(warehouse, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 2)]).order
    shipment = order.shipments.get()
    assert order.status == OrderStatus.ROUTED
    assert shipment.carrier in {"parcelway", "swiftship", "postline"}
    assert levels(warehouse, tee) == (5, 2)

    shipment_accept(shipment=shipment, actor=operator_user)
    assert (status_of(shipment), status_of(order)) == (ShipmentStatus.ACCEPTED, OrderStatus.IN_FULFILLMENT)

    picklist = picklist_create(location=warehouse, shipments=[shipment], actor=operator_user)
    assert status_of(shipment) == ShipmentStatus.PICKING
    assert picklist.number.startswith("PL-") and picklist.created_by == operator_user
    assert picklist_lines(picklist) == [PickLine("TEE-BLK-M", "Black tee, M", TEE_BARCODE, 2)]

    scanned = [TEE_BARCODE, "tee-blk-m"]  # a barcode, and a SKU code typed by hand
    package = shipment_pack(shipment=shipment, scanned=scanned, weight_grams=640, actor=operator_user)
    assert status_of(shipment) == ShipmentStatus.PACKED
    assert (package.weight_grams, package.scanned, package.packed_by) == (640, scanned, operator_user)
    assert status_of(picklist) == PickListStatus.DONE
    assert levels(warehouse, tee) == (5, 2)

    package = shipment_label(shipment=shipment, actor=operator_user)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED and shipment.shipped_at is not None
    assert shipment.tracking_number == package.tracking_number
    assert package.tracking_number == tracking_number_for(
        carrier=shipment.carrier, service=shipment.service, reference=shipment.number
    )
    assert tracking_number_valid(shipment.carrier, package.tracking_number)
    assert package.label_format == "pdf" and package.label_file.read(4) == b"%PDF"
    assert package.tracking_number in package.label_data  # the ZPL copy for thermal printers
    assert package.label_rate and package.label_rate > 0
    assert status_of(order) == OrderStatus.SHIPPED
    assert levels(warehouse, tee) == (3, 0)
    line = order.lines.get()
    assert (line.quantity_allocated, line.quantity_shipped, line.quantity_backordered) == (0, 2, 0)
    movements = StockMovement.objects.filter(document_type="order", document_id=str(order.pk)).order_by("pk")
    assert [(m.kind, m.on_hand_delta, m.reserved_delta) for m in movements] == [
        (MovementKind.RESERVE, 0, 2),
        (MovementKind.SHIP, -2, -2),
    ]

    shipment_deliver(shipment=shipment, actor=operator_user)
    assert (status_of(shipment), status_of(order)) == (ShipmentStatus.DELIVERED, OrderStatus.DELIVERED)
    assert ledger_verify() == []
    statuses = list(order.events.filter(kind="status").order_by("pk").values_list("data__to", flat=True))
    assert statuses == ["routed", "in_fulfillment", "shipped", "delivered"]


def test_two_shipments_make_the_order_partially_shipped_then_shipped_then_delivered(web, warehouse, atlanta, tee, mug):
    stocked(warehouse, tee, 3)
    stocked(atlanta, mug, 3)
    order = place_order(web, [("TEE-BLK-M", 1), ("MUG-WHT", 1)]).order
    dallas, atl = order.shipments.get(location=warehouse), order.shipments.get(location=atlanta)
    assert order.status == OrderStatus.ROUTED

    shipment_accept(shipment=dallas, actor=None)
    assert status_of(order) == OrderStatus.IN_FULFILLMENT
    work_to_shipped(dallas)
    assert status_of(order) == OrderStatus.PARTIALLY_SHIPPED
    work_to_shipped(atl)
    assert status_of(order) == OrderStatus.SHIPPED

    shipment_deliver(shipment=atl, actor=None)
    assert status_of(order) == OrderStatus.SHIPPED  # one parcel still on its way
    shipment_deliver(shipment=dallas, actor=None)
    shipment_deliver(shipment=dallas, actor=None)  # a second report changes nothing
    assert status_of(order) == OrderStatus.DELIVERED
    assert levels(warehouse, tee) == (2, 0) and levels(atlanta, mug) == (2, 0)


def test_a_pick_list_batches_accepted_shipments_and_totals_units_by_sku(web, warehouse, tee, mug):
    stocked(warehouse, tee, 10)
    stocked(warehouse, mug, 10)
    first = place_order(web, [("TEE-BLK-M", 2), ("MUG-WHT", 1)], external_id="A-1").order.shipments.get()
    second = place_order(web, [("MUG-WHT", 3)], external_id="A-2").order.shipments.get()
    for shipment in (first, second):
        shipment_accept(shipment=shipment, actor=None)

    picklist = picklist_create(location=warehouse, shipments=[second, first], actor=None)

    assert picklist_lines(picklist) == [
        PickLine("MUG-WHT", "White mug", MUG_BARCODE, 4),
        PickLine("TEE-BLK-M", "Black tee, M", TEE_BARCODE, 2),
    ]
    assert set(picklist.shipments.values_list("status", flat=True)) == {ShipmentStatus.PICKING}
    shipment_pack(shipment=first, scanned=scans_for(first), weight_grams=900, actor=None)
    assert status_of(picklist) == PickListStatus.OPEN  # the second is still being picked
    shipment_pack(shipment=second, scanned=scans_for(second), weight_grams=1500, actor=None)
    assert status_of(picklist) == PickListStatus.DONE


def test_a_pick_list_refuses_shipments_it_cannot_take_and_writes_nothing(web, warehouse, atlanta, tee, mug):
    stocked(warehouse, tee, 5)
    stocked(atlanta, mug, 5)
    here = place_order(web, [("TEE-BLK-M", 1)], external_id="A-1").order.shipments.get()
    elsewhere = place_order(web, [("MUG-WHT", 1)], external_id="A-2").order.shipments.get()
    shipment_accept(shipment=elsewhere, actor=None)  # `here` stays requested

    with pytest.raises(Conflict) as refused:
        picklist_create(location=warehouse, shipments=[here, elsewhere], actor=None)

    problems = refused.value.details["problems"]
    assert any(here.number in p and "requested" in p for p in problems)
    assert any(elsewhere.number in p and "atl-dc" in p for p in problems)
    assert (status_of(here), status_of(elsewhere)) == (ShipmentStatus.REQUESTED, ShipmentStatus.ACCEPTED)
    assert not here.picklists.exists()
    with pytest.raises(ValidationFailed):
        picklist_create(location=warehouse, shipments=[], actor=None)


@pytest.mark.parametrize(
    ("scanned", "message", "detail"),
    [
        ([TEE_BARCODE, MUG_BARCODE], "TEE-BLK-M: scanned 1 of 2, 1 missing.", ("missing", {"TEE-BLK-M": 1})),
        (
            [TEE_BARCODE] * 3 + [MUG_BARCODE],
            "TEE-BLK-M: scanned 3 but the shipment has 2, 1 extra.",
            ("extra", {"TEE-BLK-M": 1}),
        ),
        (
            [TEE_BARCODE, TEE_BARCODE, MUG_BARCODE, "9999999999994"],
            "9999999999994 is not in",
            ("unknown", ["9999999999994"]),
        ),
        ([TEE_BARCODE, TEE_BARCODE, MUG_BARCODE, "5012345678900"], "5012345678900 (CAP-RED) is not in", None),
        ([], "MUG-WHT: scanned 0 of 1, 1 missing.", ("missing", {"MUG-WHT": 1, "TEE-BLK-M": 2})),
    ],
    ids=["missing", "extra", "unknown", "another-sku", "nothing"],
)
def test_packing_refuses_a_missing_extra_or_unknown_scan_and_changes_nothing(
    web, warehouse, tee, mug, scanned, message, detail
):
    SKUFactory(code="CAP-RED", barcode="5012345678900")
    stocked(warehouse, tee, 5)
    stocked(warehouse, mug, 5)
    order = place_order(web, [("TEE-BLK-M", 2), ("MUG-WHT", 1)]).order
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    picklist_create(location=warehouse, shipments=[shipment], actor=None)
    events_before = OrderEvent.objects.filter(order=order).count()

    with pytest.raises(ValidationFailed) as refused:
        shipment_pack(shipment=shipment, scanned=scanned, weight_grams=900, actor=None)

    assert message in refused.value.message
    assert refused.value.field == "scanned"
    if detail:
        assert refused.value.details[detail[0]] == detail[1]
    assert status_of(shipment) == ShipmentStatus.PICKING
    assert not Package.objects.filter(shipment=shipment).exists()
    assert OrderEvent.objects.filter(order=order).count() == events_before
    assert levels(warehouse, tee) == (5, 2)


@pytest.mark.parametrize("weight", [0, -5, 68_040, True, 1.5])
def test_packing_needs_a_sane_weight(web, warehouse, tee, weight):
    stocked(warehouse, tee, 5)
    shipment = place_order(web, [("TEE-BLK-M", 1)]).order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)

    with pytest.raises(ValidationFailed) as refused:
        shipment_pack(shipment=shipment, scanned=[TEE_BARCODE], weight_grams=weight, actor=None)

    assert refused.value.field == "weight_grams"
    assert status_of(shipment) == ShipmentStatus.ACCEPTED


def test_a_upc_scanned_with_a_leading_zero_and_a_typed_sku_code_both_count(web, warehouse, mug):
    stocked(warehouse, mug, 5)
    shipment = place_order(web, [("MUG-WHT", 3)]).order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)

    shipment_pack(shipment=shipment, scanned=["012345678905", " mug-wht ", MUG_BARCODE], weight_grams=1400, actor=None)

    assert status_of(shipment) == ShipmentStatus.PACKED


def test_packing_again_after_a_repick_replaces_the_package(web, warehouse, tee):
    stocked(warehouse, tee, 5)
    shipment = place_order(web, [("TEE-BLK-M", 1)]).order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    shipment_pack(shipment=shipment, scanned=[TEE_BARCODE], weight_grams=400, actor=None)
    shipment_transition(shipment=shipment, to=ShipmentStatus.PICKING, actor=None, reason="wrong box")

    shipment_pack(shipment=shipment, scanned=[TEE_BARCODE], weight_grams=350, actor=None)

    assert Package.objects.get(shipment=shipment).weight_grams == 350
    assert Package.objects.filter(shipment=shipment).count() == 1


class CountingSandbox(CarrierSandbox):
    def __init__(self):
        super().__init__()
        self.labels = 0

    def create_label(self, request):
        self.labels += 1
        return super().create_label(request)


def test_a_label_is_bought_once_and_only_for_a_packed_shipment(web, warehouse, tee):
    stocked(warehouse, tee, 5)
    shipment = place_order(web, [("TEE-BLK-M", 1)]).order.shipments.get()
    carrier = CountingSandbox()
    with pytest.raises(Conflict, match="Pack"):
        shipment_label(shipment=shipment, actor=None, client=carrier)
    shipment_accept(shipment=shipment, actor=None)
    shipment_pack(shipment=shipment, scanned=[TEE_BARCODE], weight_grams=400, actor=None)

    first = shipment_label(shipment=shipment, actor=None, client=carrier)
    again = shipment_label(shipment=shipment, actor=None, client=carrier)

    assert carrier.labels == 1
    assert again.tracking_number == first.tracking_number == status_of_tracking(shipment)
    assert first.tracking_number == tracking_number_for(carrier="", service="", reference=shipment.number)
    assert levels(warehouse, tee) == (4, 0)


def status_of_tracking(shipment) -> str:
    shipment.refresh_from_db()
    return shipment.tracking_number


def _labelled_long_ago(shipment, *, days_ago: int, due_days_ago: int | None) -> None:
    now = timezone.now()
    Package.objects.filter(shipment=shipment).update(label_created_at=now - timedelta(days=days_ago))
    if due_days_ago is not None:
        Shipment.objects.filter(pk=shipment.pk).update(estimated_delivery=(now - timedelta(days=due_days_ago)).date())


def test_tracking_poll_stores_each_event_once_and_delivers(web, warehouse, tee, carriers):
    stocked(warehouse, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)]).order
    shipment = order.shipments.get()
    work_to_shipped(shipment)
    Shipment.objects.filter(pk=shipment.pk).update(estimated_delivery=(timezone.now() + timedelta(days=4)).date())
    Package.objects.filter(shipment=shipment).update(label_created_at=timezone.now() - timedelta(hours=3))

    first = tracking_poll.delay().get()
    again = tracking_poll.delay().get()

    assert first["checked"] == 1 and first["new_events"] == 2 and again["new_events"] == 0
    assert list(shipment.tracking_events.values_list("status", flat=True)) == ["label_created", "picked_up"]
    assert status_of(shipment) == ShipmentStatus.SHIPPED

    _labelled_long_ago(shipment, days_ago=6, due_days_ago=2)
    result = tracking_poll.delay().get()
    tracking_poll.delay().get()

    assert result == {"checked": 1, "new_events": 3, "delivered": 1, "failed": 0}
    assert list(shipment.tracking_events.order_by("pk").values_list("status", flat=True)) == [
        "label_created",
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 5
    shipment.refresh_from_db()
    delivered_event = shipment.tracking_events.get(status=TrackingStatus.DELIVERED)
    assert shipment.status == ShipmentStatus.DELIVERED and shipment.delivered_at == delivered_event.occurred_at
    assert status_of(order) == OrderStatus.DELIVERED
    assert tracking_poll.delay().get()["checked"] == 0  # delivered parcels are not asked about again


def test_recording_the_same_tracking_twice_writes_nothing_twice(web, warehouse, tee):
    stocked(warehouse, tee, 5)
    shipment = place_order(web, [("TEE-BLK-M", 1)]).order.shipments.get()
    package = work_to_shipped(shipment)
    _labelled_long_ago(shipment, days_ago=6, due_days_ago=1)
    shipment.refresh_from_db()
    package.refresh_from_db()
    assert package.label_created_at is not None
    updates = CarrierSandbox().track(
        TrackRequest(
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            label_created_at=package.label_created_at,
            estimated_delivery=shipment.estimated_delivery,
        )
    )

    report = TrackingReport(shipment.tracking_number, updates[-1].status, tuple(updates))
    created = package_tracking_record(package, report, source="carrier tracking")
    repeated = package_tracking_record(package, report, source="carrier tracking")

    assert (len(created), repeated) == (5, [])
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 5
    assert status_of(shipment) == ShipmentStatus.DELIVERED


def test_cancelling_after_packing_puts_the_units_back_and_after_shipping_is_refused(web, warehouse, atlanta, tee, mug):
    """Decision: an order may be cancelled until its parcels leave. A packed shipment is
    cancelled like any open one (the reservation is released; the packer unpacks the units,
    which are still on hand); no label exists yet because buying the label ships it. Once
    everything has shipped, cancelling is refused: that is a return."""
    stocked(warehouse, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 2)], external_id="A-1").order
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    shipment_pack(shipment=shipment, scanned=[TEE_BARCODE] * 2, weight_grams=700, actor=None)

    order_cancel(order=order, actor=None, reason="customer changed their mind")

    assert (status_of(shipment), status_of(order)) == (ShipmentStatus.CANCELLED, OrderStatus.CANCELLED)
    assert levels(warehouse, tee) == (5, 0)
    assert order.lines.get().quantity_cancelled == 2
    with pytest.raises(Conflict):
        shipment_label(shipment=shipment, actor=None)
    assert levels(warehouse, tee) == (5, 0)

    stocked(atlanta, mug, 5)
    shipped = place_order(web, [("MUG-WHT", 1)], external_id="A-2").order
    work_to_shipped(shipped.shipments.get())
    with pytest.raises(Conflict, match="return"):
        order_cancel(order=shipped, actor=None)
    assert status_of(shipped) == OrderStatus.SHIPPED


def test_work_cannot_skip_steps(web, warehouse, tee):
    stocked(warehouse, tee, 5)
    shipment = place_order(web, [("TEE-BLK-M", 1)]).order.shipments.get()

    with pytest.raises(Conflict):
        shipment_pack(shipment=shipment, scanned=[TEE_BARCODE], weight_grams=400, actor=None)
    with pytest.raises(Conflict):
        shipment_deliver(shipment=shipment, actor=None)
    shipment_accept(shipment=shipment, actor=None)
    shipment_accept(shipment=shipment, actor=None)  # a double click changes nothing
    assert status_of(shipment) == ShipmentStatus.ACCEPTED


def test_a_pick_list_can_be_closed_by_hand(web, warehouse, tee):
    stocked(warehouse, tee, 5)
    shipment = place_order(web, [("TEE-BLK-M", 1)]).order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    picklist = picklist_create(location=warehouse, shipments=[shipment], actor=None)

    picklist_close(picklist=picklist, actor=None)

    assert status_of(picklist) == PickListStatus.DONE and picklist.closed_at is not None
    assert status_of(shipment) == ShipmentStatus.PICKING


class CancellingSandbox(CarrierSandbox):
    """While the label is being bought (no lock held), someone cancels the order."""

    def __init__(self, order):
        super().__init__()
        self.order = order

    def create_label(self, request):
        label = super().create_label(request)
        order_cancel(order=self.order, actor=None, reason="cancelled while the label was bought")
        return label


def test_a_label_bought_while_the_order_was_cancelled_is_voided_after_commit(
    web, warehouse, tee, django_capture_on_commit_callbacks, monkeypatch
):
    stocked(warehouse, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)]).order
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    shipment_pack(shipment=shipment, scanned=[TEE_BARCODE], weight_grams=400, actor=None)
    voided: list[dict] = []
    monkeypatch.setattr(tasks.carrier_label_void, "delay", lambda **kwargs: voided.append(kwargs))

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict, match="changed"):
        shipment_label(shipment=shipment, actor=None, client=CancellingSandbox(order))

    expected = tracking_number_for(carrier=shipment.carrier, service=shipment.service, reference=shipment.number)
    assert voided == [{"carrier": shipment.carrier, "tracking_number": expected}]
    assert status_of(shipment) == ShipmentStatus.CANCELLED
    assert Package.objects.get(shipment=shipment).tracking_number == ""
    assert levels(warehouse, tee) == (5, 0)


class RefusingSandbox(CarrierSandbox):
    def track(self, request):
        raise CarrierError("Unknown tracking number.")


class DownSandbox(CarrierSandbox):
    def track(self, request):
        raise CarrierUnavailable("503 Service Unavailable", retry_after=120)


def test_tracking_a_parcel_the_carrier_refuses_is_logged_and_a_carrier_that_is_down_stops_the_run(web, warehouse, tee):
    stocked(warehouse, tee, 5)
    shipment = place_order(web, [("TEE-BLK-M", 1)]).order.shipments.get()
    work_to_shipped(shipment)

    assert tracking_refresh(client=RefusingSandbox()) == TrackingRefresh(checked=1, new_events=0, delivered=0, failed=1)
    with pytest.raises(CarrierUnavailable):
        tracking_refresh(client=DownSandbox())
    assert not TrackingEvent.objects.filter(shipment=shipment).exists()
    assert status_of(shipment) == ShipmentStatus.SHIPPED
