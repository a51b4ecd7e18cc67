"""The 3PL flow end to end against the ShipBob sandbox: an order routed to the 3PL is owed to it in
routing's transaction, sent after commit, shipped by webhook (tracking per box, the channel told),
delivered; polling does the same when no webhook comes; the 3PL's work is not in our queue."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fulfillment.models import Package, PackageStatus, ShipmentStatus, TrackingStatus
from fulfillment.selectors.work import work_counts
from inventory.models import StockLevel
from inventory.services import ledger_verify
from marketplaces.models import ChannelConfirmation, ChannelOrder
from marketplaces.services.orders import orders_poll
from orders.models import Order, OrderStatus
from partners.models import FulfillmentOrderOutbox, FulfillmentOrderStatus, Partner, PartnerDocument, PartnerKind
from partners.threepl.services import fulfillment_order_queue, fulfillment_orders_poll, fulfillment_orders_send
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.channels import sandbox_channel
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
def threepl(db, tee):
    location = threepl_location()
    stocked(location, tee, 10)
    return location


@pytest.fixture
def partner(sandbox, threepl):
    return threepl_partner(sandbox, threepl)


@pytest.fixture
def web(db):
    return ChannelFactory(code="web", name="Web shop")


def routed_to_3pl(web, quantity=2, external_id="A-1"):
    order = place_order(web, [("TEE-BLK-M", quantity)], external_id=external_id, **ADDRESS).order
    return order, order.shipments.get()


@pytest.mark.postgres
def test_owing_the_3pl_an_order_adds_one_statement_to_routing(web, partner, threepl, tee, django_assert_num_queries):
    """The outbox row for the connected partner behind the location, in one statement (no read, no savepoint)."""
    stocked(threepl, tee, 10)
    routed_to_3pl(web, quantity=1, external_id="WARM")  # caches the cost model and rules

    with django_assert_num_queries(9):  # 8 for the same order from a warehouse
        order = place_order(web, [("TEE-BLK-M", 1)], external_id="A-2", **ADDRESS).order

    shipment = order.shipments.get()
    assert shipment.location == threepl
    row = outbox_of(shipment)
    assert row.status == FulfillmentOrderStatus.PENDING  # sent after commit (below)
    FulfillmentOrderOutbox.objects.filter(pk=row.pk).update(status=FulfillmentOrderStatus.SENT, external_id="9")

    again = fulfillment_order_queue(shipment=shipment)  # owed twice: the row stays as it was

    assert again is not None and again.pk == row.pk
    kept = outbox_of(shipment)
    assert (kept.status, kept.external_id) == (FulfillmentOrderStatus.SENT, "9")
    assert FulfillmentOrderOutbox.objects.filter(shipment=shipment).count() == 1


@pytest.mark.parametrize("change", [{"connector": ""}, {"is_active": False}], ids=["no connector", "inactive"])
def test_a_3pl_without_a_working_connection_is_owed_nothing(web, partner, threepl, change):
    Partner.objects.filter(pk=partner.pk).update(**change)

    _, shipment = routed_to_3pl(web)

    assert shipment.location == threepl  # its people work it by hand: nothing to send
    assert not FulfillmentOrderOutbox.objects.exists()
    assert fulfillment_order_queue(shipment=shipment) is None


def test_the_first_connected_partner_behind_the_location_is_owed_the_order(web, partner, threepl, sandbox):
    manual = Partner.objects.create(code="aaa-manual", name="By hand", kind=PartnerKind.THIRD_PARTY)
    manual.locations.add(threepl)  # created after, so later by id, and not connected: skipped either way

    _, shipment = routed_to_3pl(web)

    assert outbox_of(shipment).partner == partner


def test_routing_owes_the_3pl_an_order_and_the_send_after_commit_creates_it_once(
    web, partner, threepl, sandbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _, shipment = routed_to_3pl(web)

    assert shipment.location == threepl
    row = outbox_of(shipment)
    # The task queued after commit (eager here) sent it: ShipBob has one order with our shipment number.
    assert row.status == FulfillmentOrderStatus.SENT
    remote = sandbox.find(shipment.number)
    assert row.external_id == str(remote["id"])
    assert remote["products"][0]["reference_id"] == "TEE-BLK-M" and remote["products"][0]["quantity"] == 2
    assert remote["recipient"]["address"]["zip_code"] == "60607"
    assert remote["channel"]["id"] == sandbox.channel_id
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.ACCEPTED  # "sent to 3PL"
    assert PartnerDocument.objects.filter(partner=partner, kind="fulfillment_order", direction="out").count() == 1

    assert fulfillment_orders_send(partner=partner).claimed == 0  # nothing left to send
    assert len(sandbox.orders) == 1


def test_a_shipment_at_the_connected_3pl_is_not_in_our_work_queue(web, partner, threepl, tee, admin_user):
    routed_to_3pl(web)
    plain_3pl = threepl_location(code="other-3pl", priority=5)  # a 3PL with no connector: worked by hand
    stocked(plain_3pl, tee, 5)
    place_order(web, [("TEE-BLK-M", 1)], external_id="A-2", **ADDRESS)

    assert work_counts(user=admin_user, location=threepl, today=date.today())["accept"] == 0
    assert work_counts(user=admin_user, location=plain_3pl, today=date.today())["accept"] == 1


def test_shipped_webhook_ships_with_a_package_per_box_and_delivered_delivers(web, partner, threepl, tee, sandbox):
    order, shipment = routed_to_3pl(web, quantity=3)
    fulfillment_orders_send(partner=partner)

    sandbox.ship(shipment.number, boxes=2)
    answers = deliver(partner, sandbox.take_webhooks())

    assert {a.status for a in answers} == {200}
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED
    remote = sandbox.find(shipment.number)
    numbers = [s["tracking"]["tracking_number"] for s in remote["shipments"]]
    boxes = list(Package.objects.filter(shipment=shipment).order_by("box_number"))
    assert [b.tracking_number for b in boxes] == numbers
    assert {b.status for b in boxes} == {PackageStatus.LABELLED} and {b.carrier for b in boxes} == {"USPS"}
    assert shipment.tracking_number == numbers[0]
    level = StockLevel.objects.get(location=threepl, sku=tee)
    assert (level.on_hand, level.reserved) == (7, 0)  # shipped through the ledger
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert outbox_of(shipment).status == FulfillmentOrderStatus.SHIPPED

    sandbox.deliver(shipment.number)
    deliver(partner, sandbox.take_webhooks())

    shipment.refresh_from_db()
    order.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert order.status == OrderStatus.DELIVERED
    assert {b.tracking_status for b in Package.objects.filter(shipment=shipment)} == {TrackingStatus.DELIVERED}
    assert ledger_verify() == []


def test_polling_ships_and_delivers_when_no_webhook_comes(web, partner, sandbox):
    _, shipment = routed_to_3pl(web)
    fulfillment_orders_send(partner=partner)

    sandbox.advance(sandbox.ship_after + timedelta(minutes=1))
    sandbox.take_webhooks()  # lost on the way: never delivered
    assert fulfillment_orders_poll(partner=partner) == 1
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED

    sandbox.advance(sandbox.deliver_after)
    sandbox.take_webhooks()
    # Asked again once the polling interval has passed.
    FulfillmentOrderOutbox.objects.filter(shipment=shipment).update(last_polled_at=None)
    fulfillment_orders_poll(partner=partner)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED


def test_a_marketplace_order_shipped_by_the_3pl_is_confirmed_to_the_channel_with_its_tracking(
    settings, partner, threepl, tee, sandbox, django_capture_on_commit_callbacks
):
    settings.MARKETPLACE_SANDBOX = True
    channel, shop = sandbox_channel("shopify", skus=[tee])
    shop.create_order([(tee.code, 1)], zip="60607")
    with django_capture_on_commit_callbacks(execute=True):
        orders_poll(channel_id=channel.pk)
    order = Order.objects.get(channel=channel)
    shipment = order.shipments.get()
    assert shipment.location == threepl and outbox_of(shipment).status == FulfillmentOrderStatus.SENT

    sandbox.ship(shipment.number)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(partner, sandbox.take_webhooks())

    number = sandbox.find(shipment.number)["shipments"][0]["tracking"]["tracking_number"]
    confirmation = ChannelConfirmation.objects.get(order=order, kind="ship")
    assert confirmation.payload["tracking_numbers"] == [number]
    external_id = ChannelOrder.objects.get(order=order).external_id
    assert number in shop.state.orders[external_id]["fulfillments"][0]["tracking_numbers"]


def test_a_3pl_without_a_connector_gets_no_fulfillment_order(web, tee):
    by_hand = threepl_location(code="hand-3pl")
    stocked(by_hand, tee, 5)
    LocationFactory(code="far-dc", priority=90)
    _, shipment = routed_to_3pl(web)
    assert shipment.location == by_hand
    assert not FulfillmentOrderOutbox.objects.exists()
