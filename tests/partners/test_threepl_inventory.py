"""The 3PL's stock and ours: drift shown then corrected through the ledger by a person, transfers in
announced as receiving orders and received as ShipBob counted them, short-ships and cancellations
re-routed without the 3PL."""

from __future__ import annotations

from typing import Any

import pytest

from fulfillment.models import Package, RoutingExclusion, ShipmentStatus
from inventory.models import AdjustmentReason, LocationKind, StockLevel, StockMovement, TransferStatus
from inventory.services import StockLine, ledger_verify, stock_receive, transfer_create, transfer_ship
from orders.models import OrderStatus
from partners.models import DriftStatus, FulfillmentOrderStatus, ReceivingOrder, ReceivingOrderStatus, SnapshotStatus
from partners.threepl.connector import threepl_connector_for
from partners.threepl.selectors import inventory_snapshot_latest
from partners.threepl.services import (
    fulfillment_orders_send,
    inventory_snapshot_apply,
    receiving_orders_poll,
    receiving_orders_queue,
    receiving_orders_send,
    threepl_reconcile,
)
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import ChannelFactory, place_order
from tests.partners.threepl_support import deliver, outbox_of, shipbob_sandbox, threepl_location, threepl_partner

pytestmark = pytest.mark.django_db

ADDRESS = {"line1": "100 N Racine Ave", "city": "Chicago", "region": "IL", "postal_code": "60607"}


@pytest.fixture
def sandbox():
    return shipbob_sandbox()


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M")


@pytest.fixture
def mug(db):
    return SKUFactory(code="MUG-WHT", name="White mug")


@pytest.fixture
def threepl(db):
    return threepl_location()


@pytest.fixture
def partner(sandbox, threepl):
    return threepl_partner(sandbox, threepl)


@pytest.fixture
def warehouse(db):
    return LocationFactory(code="atl-dc", name="Atlanta DC", kind=LocationKind.WAREHOUSE, priority=50)


def on_hand(location, sku) -> int:
    level = StockLevel.objects.filter(location=location, sku=sku).first()
    return level.on_hand if level else 0


# --- Inventory reconciliation ----------------------------------------------------------------------


def test_drift_is_recorded_and_shown_then_corrected_through_the_ledger_by_a_person(
    partner, threepl, sandbox, tee, mug, admin_user
):
    stocked(threepl, tee, 10)
    stocked(threepl, mug, 4)
    sandbox.set_inventory("TEE-BLK-M", 7)  # three lost at the 3PL
    sandbox.set_inventory("MUG-WHT", 4)  # agrees
    sandbox.set_inventory("CAP-RED", 2)  # not one of ours

    snapshot = threepl_reconcile(partner=partner, apply=False)

    assert on_hand(threepl, tee) == 10  # recorded, not applied
    shown = inventory_snapshot_latest(partner=partner)
    assert shown == snapshot and shown.status == SnapshotStatus.RECORDED
    rows = {row.sku_code: row for row in shown.drifts.all()}
    assert set(rows) == {"TEE-BLK-M", "CAP-RED"}
    assert (rows["TEE-BLK-M"].threepl_on_hand, rows["TEE-BLK-M"].ledger_on_hand, rows["TEE-BLK-M"].drift) == (7, 10, -3)
    assert rows["CAP-RED"].sku is None

    applied = inventory_snapshot_apply(snapshot=snapshot, actor=admin_user)

    assert applied.status == SnapshotStatus.APPLIED and applied.applied_by == admin_user
    assert on_hand(threepl, tee) == 7
    tee_row = applied.drifts.get(sku_code="TEE-BLK-M")
    assert tee_row.status == DriftStatus.APPLIED
    movement = tee_row.movement
    assert movement is not None
    assert (movement.on_hand_delta, movement.reason_code, movement.actor) == (
        -3,
        AdjustmentReason.CORRECTION,
        admin_user,
    )
    assert (movement.document_type, movement.document_id) == ("3pl_snapshot", str(snapshot.pk))
    assert "3PL reconcile" in movement.note
    assert applied.drifts.get(sku_code="CAP-RED").status == DriftStatus.SKIPPED
    assert ledger_verify() == []

    inventory_snapshot_apply(snapshot=snapshot, actor=admin_user)  # twice: nothing more
    assert on_hand(threepl, tee) == 7


def test_a_drift_whose_ledger_moved_since_the_snapshot_is_not_corrected(partner, threepl, sandbox, tee):
    stocked(threepl, tee, 10)
    sandbox.set_inventory("TEE-BLK-M", 12)
    snapshot = threepl_reconcile(partner=partner, apply=False)
    stock_receive(location=threepl, sku=tee, quantity=2, actor=None)  # the two arrived meanwhile

    inventory_snapshot_apply(snapshot=snapshot, actor=None)

    row = snapshot.drifts.get()
    assert row.status == DriftStatus.SKIPPED and "moved since the snapshot" in row.note
    assert on_hand(threepl, tee) == 12  # not 14


def test_inventory_levels_are_read_across_every_cursor_page(partner, threepl, sandbox):
    for n in range(7):
        sandbox.set_inventory(f"SKU-{n}", n + 1)

    pages = list(threepl_connector_for(partner).inventory_pages(page_size=3))

    assert [len(page) for page in pages] == [3, 3, 1]
    assert sorted(item["sku"] for page in pages for item in page) == [f"SKU-{n}" for n in range(7)]
    snapshot = threepl_reconcile(partner=partner, apply=False)
    assert len(snapshot.items) == 7 and snapshot.skus_drifting == 7


# --- Transfers in ----------------------------------------------------------------------------------


def test_a_transfer_to_the_3pl_becomes_a_receiving_order_and_is_received_as_counted(
    partner, threepl, warehouse, sandbox, tee, mug
):
    stocked(warehouse, tee, 20)
    stocked(warehouse, mug, 5)
    sandbox.add_product("TEE-BLK-M")
    sandbox.add_product("MUG-WHT")
    transfer = transfer_create(
        source=warehouse, destination=threepl, lines=[StockLine(tee.pk, 12), StockLine(mug.pk, 5)], actor=None
    )
    assert receiving_orders_queue() == 0  # not dispatched yet
    transfer_ship(transfer=transfer, actor=None)

    assert receiving_orders_queue() == 1
    assert receiving_orders_send(partner=partner).sent == 1
    row = ReceivingOrder.objects.get(transfer=transfer)
    wro = sandbox.receivings[int(row.external_id)]
    assert wro["purchase_order_number"] == transfer.number and wro["status"] == "Awaiting"
    assert {q["sku"]: q["expected_quantity"] for q in wro["inventory_quantities"]} == {"TEE-BLK-M": 12, "MUG-WHT": 5}

    receiving_orders_poll(partner=partner)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHIPPED  # still on its way

    sandbox.complete_receiving(wro["id"], received={"TEE-BLK-M": 11})  # one tee short
    receiving_orders_poll(partner=partner)

    transfer.refresh_from_db()
    row.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert row.status == ReceivingOrderStatus.COMPLETED and row.received == {"TEE-BLK-M": 11, "MUG-WHT": 5}
    assert (on_hand(threepl, tee), on_hand(threepl, mug)) == (11, 5)
    lost = StockMovement.objects.get(location=threepl, sku=tee, reason_code=AdjustmentReason.LOST)
    assert lost.on_hand_delta == -1 and lost.document_type == "3pl_receiving"
    assert ledger_verify() == []

    receiving_orders_poll(partner=partner)  # asked again: nothing changes
    assert on_hand(threepl, tee) == 11


def test_a_receiving_order_whose_answer_was_lost_is_adopted_not_sent_twice(partner, threepl, warehouse, sandbox, tee):
    stocked(warehouse, tee, 5)
    sandbox.add_product("TEE-BLK-M")
    transfer = transfer_create(source=warehouse, destination=threepl, lines=[StockLine(tee.pk, 5)], actor=None)
    transfer_ship(transfer=transfer, actor=None)
    receiving_orders_queue()
    sandbox.timeout_next["receiving_create"] = 1

    assert receiving_orders_send(partner=partner).retried == 1
    row = ReceivingOrder.objects.get(transfer=transfer)
    report = receiving_orders_send(partner=partner, now=row.next_attempt_at)

    assert report.adopted == 1
    assert len(sandbox.receivings) == 1
    row.refresh_from_db()
    assert row.status == ReceivingOrderStatus.SENT and row.external_id == str(next(iter(sandbox.receivings)))


# --- Short-ships and cancellations ------------------------------------------------------------------


@pytest.fixture
def order_at_3pl(partner, threepl, warehouse, tee, sandbox):
    stocked(threepl, tee, 3)
    web: Any = ChannelFactory(code="web", name="Web shop")
    order = place_order(web, [("TEE-BLK-M", 3)], **ADDRESS).order
    shipment = order.shipments.get()
    assert shipment.location == threepl
    stocked(warehouse, tee, 5)  # arrives after routing: where the 3PL's missing units can go
    fulfillment_orders_send(partner=partner)
    return order, shipment


def test_a_short_ship_ships_what_left_and_reroutes_the_missing_units_without_the_3pl(
    order_at_3pl, partner, threepl, warehouse, tee, sandbox
):
    order, shipment = order_at_3pl

    sandbox.ship(shipment.number, short={"TEE-BLK-M": 1})
    deliver(partner, sandbox.take_webhooks(shuffle=True))

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED  # what left ShipBob ships
    assert sum(line.quantity for line in shipment.lines.all()) == 2
    [box] = Package.objects.filter(shipment=shipment)
    assert box.tracking_number == sandbox.find(shipment.number)["shipments"][0]["tracking"]["tracking_number"]
    assert outbox_of(shipment).status == FulfillmentOrderStatus.SHIPPED
    rerouted = order.shipments.get(status=ShipmentStatus.REQUESTED)
    assert rerouted.location == warehouse and sum(line.quantity for line in rerouted.lines.all()) == 1
    assert RoutingExclusion.objects.filter(order=order, location=threepl).exists()
    assert StockLevel.objects.get(location=threepl, sku=tee).reserved == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_SHIPPED
    assert ledger_verify() == []


def test_a_3pl_cancellation_reroutes_every_unit(order_at_3pl, partner, threepl, warehouse, sandbox):
    order, shipment = order_at_3pl

    sandbox.cancel(shipment.number)
    deliver(partner, sandbox.take_webhooks())

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.REJECTED
    assert outbox_of(shipment).status == FulfillmentOrderStatus.CANCELLED
    rerouted = order.shipments.get(status=ShipmentStatus.REQUESTED)
    assert rerouted.location == warehouse
    assert RoutingExclusion.objects.filter(order=order, location=threepl).exists()


def test_an_exception_is_shown_on_the_order_and_nothing_moves_until_shipbob_decides(order_at_3pl, partner, sandbox):
    order, shipment = order_at_3pl

    sandbox.exception(shipment.number)
    deliver(partner, sandbox.take_webhooks())

    assert outbox_of(shipment).exception == "OutOfStock"
    assert order.events.filter(message__contains="reports an exception (OutOfStock)").count() == 1
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.ACCEPTED  # still the 3PL's: no re-route yet
    assert order.shipments.count() == 1
