"""Buy online, pick up in store: reserve at the store, pick, ready (email + QR code), hand over,
partial pickups, wrong codes, expiry that releases stock exactly once, reminders, transfer to store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from fulfillment.models import Pickup, PickupStatus, ShipmentStatus
from fulfillment.notifications import pickup_qr_png
from fulfillment.services import (
    order_cancel,
    order_hold,
    order_release,
    pickup_handover,
    pickup_lookup,
    pickup_mark_ready,
    pickup_start,
    pickup_transfer_to_store,
    pickups_expire,
    pickups_remind,
)
from fulfillment.services.pickups import pickups_transfers_sweep
from fulfillment.tasks import pickups_expire_task
from inventory.models import LocationKind, MovementKind, StockLevel, StockMovement, TransferStatus
from inventory.services import transfer_receive, transfer_ship
from orders.models import OrderEvent, OrderStatus
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import ChannelFactory
from tests.factories.stores import make_store, place_pickup, set_store_settings

pytestmark = pytest.mark.django_db

TEE_BARCODE = "4006381333931"
MUG_BARCODE = "0012345678905"


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode=TEE_BARCODE)


@pytest.fixture
def mug(db):
    return SKUFactory(code="MUG-WHT", name="White mug", barcode=MUG_BARCODE)


@pytest.fixture
def shop(db):
    return set_store_settings(make_store("nyc-store", name="New York Store"), hold_days=3, reminder_hours=24)


@pytest.fixture
def other_shop(db):
    return set_store_settings(make_store("chi-store", place="chi", name="Chicago Store"))


@pytest.fixture
def warehouse(db):
    return LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE, priority=10)


def level(location, sku) -> StockLevel:
    return StockLevel.objects.get(location=location, sku=sku)


def ready_pickup(web, shop, tee, mug, **extra) -> Pickup:
    stocked(shop, tee, 5)
    stocked(shop, mug, 5)
    pickup = place_pickup(web, shop, [("TEE-BLK-M", 2), ("MUG-WHT", 1)], **extra)
    pickup_start(pickup=pickup, actor=None)
    return pickup_mark_ready(pickup=pickup, scanned=[TEE_BARCODE, TEE_BARCODE, MUG_BARCODE], actor=None)


def test_a_pickup_order_reserves_at_its_store_with_a_code_and_a_ready_by_time(web, shop, tee, warehouse):
    stocked(shop, tee, 3)
    stocked(warehouse, tee, 50)  # plenty elsewhere, but a pickup is reserved where it is collected

    pickup = place_pickup(web, shop, [("TEE-BLK-M", 2)])

    assert pickup.location == shop and pickup.status == PickupStatus.NEW
    assert len(pickup.code) == 6 and pickup.ready_by is not None and pickup.ready_by >= pickup.order.placed_at
    assert (level(shop, tee).reserved, level(warehouse, tee).reserved) == (2, 0)
    [shipment] = pickup.order.shipments.all()
    assert (shipment.location, shipment.carrier, shipment.accept_by) == (shop, "pickup", None)


def test_a_pickup_is_never_split_the_missing_units_wait_at_the_store(web, shop, tee, warehouse):
    stocked(shop, tee, 1)
    stocked(warehouse, tee, 50)

    pickup = place_pickup(web, shop, [("TEE-BLK-M", 3)])

    assert [s.location for s in pickup.order.shipments.all()] == [shop]
    assert pickup.order.lines.get().quantity_backordered == 2
    assert level(warehouse, tee).reserved == 0
    with pytest.raises(Conflict, match="not in the store yet"):
        pickup_start(pickup=pickup, actor=None)


def test_marking_ready_checks_every_unit_and_emails_the_code_with_a_qr_image(
    web, shop, tee, mug, django_capture_on_commit_callbacks
):
    stocked(shop, tee, 5)
    stocked(shop, mug, 5)
    pickup = place_pickup(web, shop, [("TEE-BLK-M", 2), ("MUG-WHT", 1)])
    pickup_start(pickup=pickup, actor=None)

    with pytest.raises(ValidationFailed, match="9780201896831 is not in"):
        pickup_mark_ready(pickup=pickup, scanned=[TEE_BARCODE, "9780201896831", MUG_BARCODE], actor=None)
    with pytest.raises(ValidationFailed, match="TEE-BLK-M: scanned 1 of 2"):
        pickup_mark_ready(pickup=pickup, scanned=[TEE_BARCODE, MUG_BARCODE], actor=None)
    assert Pickup.objects.get(pk=pickup.pk).status == PickupStatus.PICKING and not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        ready = pickup_mark_ready(pickup=pickup, scanned=[TEE_BARCODE, "tee-blk-m", MUG_BARCODE], actor=None)

    assert ready.status == PickupStatus.READY
    assert ready.ready_at is not None
    assert ready.hold_until == ready.ready_at + timedelta(days=3)
    assert set(ready.order.shipments.values_list("status", flat=True)) == {ShipmentStatus.PACKED}
    [email] = mail.outbox
    assert email.to == ["ada@example.com"] and pickup.order.number in email.subject
    assert pickup.code in email.body and "New York Store" in email.body
    assert isinstance(email, EmailMultiAlternatives)
    html = str(email.alternatives[0][0])
    assert "cid:pickup-qr" in html and pickup.code in html
    [image] = [part for part in email.attachments if getattr(part, "get_content_type", lambda: "")() == "image/png"]
    assert image.get_payload(decode=True) == pickup_qr_png(pickup.code)
    assert OrderEvent.objects.filter(order=pickup.order, message__startswith="Ready-for-pickup email sent").exists()
    # Marking it ready again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        pickup_mark_ready(pickup=pickup, scanned=[], actor=None)
    assert len(mail.outbox) == 1


def test_handover_moves_stock_from_reserved_to_shipped_and_a_second_click_changes_nothing(web, shop, tee, mug):
    pickup = ready_pickup(web, shop, tee, mug)

    done = pickup_handover(pickup=pickup, actor=None, id_checked=True, code=pickup.code.lower())

    assert done.status == PickupStatus.PICKED_UP and done.picked_up_at is not None
    assert (level(shop, tee).on_hand, level(shop, tee).reserved) == (3, 0)
    assert (
        StockMovement.objects.filter(location=shop, kind=MovementKind.SHIP, document_id=str(pickup.order.pk)).count()
        == 2
    )
    pickup.order.refresh_from_db()
    assert pickup.order.status == OrderStatus.SHIPPED
    movements = StockMovement.objects.count()
    with pytest.raises(Conflict, match="already picked up"):
        pickup_handover(pickup=pickup, actor=None, id_checked=True)
    assert StockMovement.objects.count() == movements


def test_handover_needs_the_photo_id_checked(web, shop, tee, mug):
    pickup = ready_pickup(web, shop, tee, mug)
    with pytest.raises(ValidationFailed, match="photo ID"):
        pickup_handover(pickup=pickup, actor=None, id_checked=False)
    assert Pickup.objects.get(pk=pickup.pk).status == PickupStatus.READY


def test_a_refused_line_is_released_and_the_rest_handed_over(web, shop, tee, mug):
    pickup = ready_pickup(web, shop, tee, mug)
    mug_line = pickup.order.lines.get(sku=mug)

    done = pickup_handover(pickup=pickup, actor=None, id_checked=True, refused_line_ids=[mug_line.pk])

    assert done.status == PickupStatus.PICKED_UP and "1 unit(s) refused" in done.status_reason
    assert (level(shop, mug).on_hand, level(shop, mug).reserved) == (5, 0)
    assert (level(shop, tee).on_hand, level(shop, tee).reserved) == (3, 0)
    mug_line.refresh_from_db()
    assert (mug_line.quantity_cancelled, mug_line.quantity_shipped) == (1, 0)
    assert OrderEvent.objects.filter(order=pickup.order, message__contains="refused unit(s) released").exists()


def test_a_wrong_code_is_refused_and_recorded_on_the_timeline(web, shop, tee, mug):
    pickup = ready_pickup(web, shop, tee, mug)

    with pytest.raises(ValidationFailed, match="does not belong"):
        pickup_handover(pickup=pickup, actor=None, id_checked=True, code="XXXXXX")

    assert Pickup.objects.get(pk=pickup.pk).status == PickupStatus.READY
    assert level(shop, tee).reserved == 2
    event = OrderEvent.objects.get(order=pickup.order, message__startswith="Wrong pickup code XXXXXX")
    assert event.data["security"] is True


def test_lookup_finds_by_code_or_order_number_and_refuses_other_stores_codes(web, shop, other_shop, tee, mug):
    pickup = ready_pickup(web, shop, tee, mug)

    assert pickup_lookup(store=shop, raw=f" {pickup.code.lower()} ", actor=None).pickup == pickup
    assert pickup_lookup(store=shop, raw=pickup.order.number, actor=None).pickup == pickup
    unknown = pickup_lookup(store=shop, raw="ZZZZZZ", actor=None)
    assert unknown.pickup is None and "No pickup has the code" in unknown.error

    elsewhere = pickup_lookup(store=other_shop, raw=pickup.code, actor=None)

    assert elsewhere.pickup is None and "New York Store, not here" in elsewhere.error
    assert OrderEvent.objects.filter(order=pickup.order, message__contains="presented at chi-store").exists()
    assert Pickup.objects.get(pk=pickup.pk).status == PickupStatus.READY


def test_a_pickup_not_ready_yet_is_not_handed_over(web, shop, tee):
    stocked(shop, tee, 2)
    pickup = place_pickup(web, shop, [("TEE-BLK-M", 1)])
    found = pickup_lookup(store=shop, raw=pickup.code, actor=None)
    assert found.pickup is None and "not ready yet" in found.error


def test_expiry_releases_the_stock_exactly_once_and_says_why(web, shop, tee, mug):
    pickup = ready_pickup(web, shop, tee, mug)
    assert pickups_expire(now=timezone.now()) == []  # not due yet
    assert pickup.hold_until is not None
    later = pickup.hold_until + timedelta(minutes=1)

    assert pickups_expire(now=later) == [pickup.pk]
    assert pickups_expire(now=later) == []
    assert pickups_expire(now=later + timedelta(days=1)) == []

    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.EXPIRED
    assert (level(shop, tee).on_hand, level(shop, tee).reserved) == (5, 0)
    releases = StockMovement.objects.filter(kind=MovementKind.RELEASE, document_id=str(pickup.order.pk))
    assert releases.count() == 2  # one per SKU, never again
    pickup.order.refresh_from_db()
    assert pickup.order.status == OrderStatus.CANCELLED
    assert OrderEvent.objects.filter(
        order=pickup.order, message__contains="not collected at nyc-store within the 3-day hold"
    ).exists()
    found = pickup_lookup(store=shop, raw=pickup.code, actor=None)
    assert found.pickup is None and "expired" in found.error


def test_a_ready_pickup_of_an_order_on_hold_waits_for_its_release_before_it_expires(web, shop, tee, mug):
    pickup = ready_pickup(web, shop, tee, mug)
    assert pickup.hold_until is not None
    later = pickup.hold_until + timedelta(minutes=1)
    order_hold(order=pickup.order, actor=None, reason="payment review")

    assert pickups_expire(now=later) == []
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.READY and level(shop, tee).reserved == 2

    order_release(order=pickup.order, actor=None)
    assert pickups_expire(now=later) == [pickup.pk]
    assert level(shop, tee).reserved == 0


def test_the_customer_is_reminded_once_before_the_hold_ends(web, shop, tee, mug, django_capture_on_commit_callbacks):
    pickup = ready_pickup(web, shop, tee, mug)
    assert pickup.hold_until is not None
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert pickups_remind(now=pickup.hold_until - timedelta(hours=30)) == []
        assert pickups_remind(now=pickup.hold_until - timedelta(hours=20)) == [pickup.pk]
        assert pickups_remind(now=pickup.hold_until - timedelta(hours=10)) == []

    [email] = mail.outbox
    assert email.subject.startswith("Reminder:") and pickup.code in email.body


def test_transfer_to_store_brings_the_missing_units_and_the_store_picks_them_when_received(
    web, shop, tee, warehouse, django_capture_on_commit_callbacks
):
    stocked(shop, tee, 1)
    stocked(warehouse, tee, 10)
    pickup = place_pickup(web, shop, [("TEE-BLK-M", 3)])
    assert pickup.ready_by is None

    transfer = pickup_transfer_to_store(pickup=pickup, actor=None)

    assert (transfer.source, transfer.destination) == (warehouse, shop)
    assert list(transfer.lines.values_list("quantity", flat=True)) == [2]
    assert level(warehouse, tee).reserved == 2
    with pytest.raises(Conflict, match="already bringing"):
        pickup_transfer_to_store(pickup=pickup, actor=None)
    transfer_ship(transfer=transfer, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        transfer_receive(transfer=transfer, actor=None)

    # The units are reserved for the pickup, but nobody has put them aside yet: the associate
    # picks (scans) them and marks it ready; only then is the customer emailed.
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.PICKING and pickup.ready_by is not None
    assert pickup.order.lines.get().quantity_allocated == 3
    assert level(shop, tee).reserved == 3
    assert mail.outbox == []
    assert OrderEvent.objects.filter(
        order=pickup.order, message__contains="scan them and mark the pickup ready"
    ).exists()
    with pytest.raises(ValidationFailed, match="scanned 2 of 3"):
        pickup_mark_ready(pickup=pickup, scanned=[TEE_BARCODE, TEE_BARCODE], actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        ready = pickup_mark_ready(pickup=pickup, scanned=[TEE_BARCODE] * 3, actor=None)
    assert ready.status == PickupStatus.READY
    assert [email.subject for email in mail.outbox] == [
        f"Your order {pickup.order.number} is ready for pickup at New York Store"
    ]


def test_a_received_transfer_whose_handler_was_lost_is_caught_up_by_the_beat_task(web, shop, tee, warehouse):
    stocked(shop, tee, 1)
    stocked(warehouse, tee, 10)
    pickup = place_pickup(web, shop, [("TEE-BLK-M", 3)])
    transfer = pickup_transfer_to_store(pickup=pickup, actor=None)
    transfer_ship(transfer=transfer, actor=None)
    transfer_receive(transfer=transfer, actor=None)  # its on-commit handler never runs (a worker died)
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.NEW and level(shop, tee).reserved == 1

    pickups_expire_task()
    pickups_expire_task()  # running again does nothing more

    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.PICKING
    assert pickup.order.lines.get().quantity_allocated == 3
    assert level(shop, tee).reserved == 3
    assert pickup.order.shipments.exclude(status=ShipmentStatus.CANCELLED).count() == 2


def test_cancelling_a_pickup_order_cancels_the_transfer_that_has_not_left(web, shop, tee, warehouse):
    stocked(shop, tee, 1)
    stocked(warehouse, tee, 10)
    pickup = place_pickup(web, shop, [("TEE-BLK-M", 3)])
    transfer = pickup_transfer_to_store(pickup=pickup, actor=None)
    assert level(warehouse, tee).reserved == 2

    order_cancel(order=pickup.order, actor=None, reason="customer changed their mind")

    transfer.refresh_from_db()
    pickup.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
    assert (level(warehouse, tee).on_hand, level(warehouse, tee).reserved) == (10, 0)
    assert (level(shop, tee).on_hand, level(shop, tee).reserved) == (1, 0)
    assert pickup.status == PickupStatus.CANCELLED
    assert OrderEvent.objects.filter(order=pickup.order, message__contains="cancelled with the order").exists()


def test_cancelling_a_pickup_order_leaves_a_transfer_on_its_way_and_says_so(web, shop, tee, warehouse):
    stocked(shop, tee, 1)
    stocked(warehouse, tee, 10)
    pickup = place_pickup(web, shop, [("TEE-BLK-M", 3)])
    transfer = transfer_ship(transfer=pickup_transfer_to_store(pickup=pickup, actor=None), actor=None)

    order_cancel(order=pickup.order, actor=None, reason="customer changed their mind")

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHIPPED
    assert OrderEvent.objects.filter(order=pickup.order, message__contains="already on its way to nyc-store").exists()
    # When it arrives the units are plain store stock: nothing is reserved for the cancelled pickup.
    transfer_receive(transfer=transfer, actor=None)
    pickups_transfers_sweep()
    assert (level(shop, tee).on_hand, level(shop, tee).reserved) == (3, 0)
    assert Pickup.objects.get(pk=pickup.pk).status == PickupStatus.CANCELLED


# --- Orders on hold -------------------------------------------------------------------------


def test_a_pickup_of_an_order_on_hold_is_not_picked(web, shop, tee, mug):
    stocked(shop, tee, 5)
    pickup = place_pickup(web, shop, [("TEE-BLK-M", 1)])
    order_hold(order=pickup.order, actor=None, reason="payment review")

    with pytest.raises(Conflict, match="on hold"):
        pickup_start(pickup=pickup, actor=None)
    with pytest.raises(Conflict, match="on hold"):
        pickup_mark_ready(pickup=pickup, scanned=[TEE_BARCODE], actor=None)

    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.NEW and not mail.outbox
    assert set(pickup.order.shipments.values_list("status", flat=True)) == {ShipmentStatus.REQUESTED}
    order_release(order=pickup.order, actor=None)
    assert pickup_start(pickup=pickup, actor=None).status == PickupStatus.PICKING


def test_a_picking_pickup_on_hold_is_not_marked_ready_and_the_customer_not_emailed(
    web, shop, tee, django_capture_on_commit_callbacks
):
    stocked(shop, tee, 5)
    pickup = place_pickup(web, shop, [("TEE-BLK-M", 1)])
    pickup_start(pickup=pickup, actor=None)
    order_hold(order=pickup.order, actor=None, reason="payment review")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict, match="on hold"):
        pickup_mark_ready(pickup=pickup, scanned=[TEE_BARCODE], actor=None)

    assert Pickup.objects.get(pk=pickup.pk).status == PickupStatus.PICKING and not mail.outbox


def test_a_ready_pickup_on_hold_is_not_handed_over(web, shop, tee, mug):
    pickup = ready_pickup(web, shop, tee, mug)
    order_hold(order=pickup.order, actor=None, reason="chargeback")
    movements = StockMovement.objects.count()

    with pytest.raises(Conflict, match="on hold"):
        pickup_handover(pickup=pickup, actor=None, id_checked=True, code=pickup.code)

    assert Pickup.objects.get(pk=pickup.pk).status == PickupStatus.READY
    assert StockMovement.objects.count() == movements
    assert (level(shop, tee).on_hand, level(shop, tee).reserved) == (5, 2)


# --- Lookup ---------------------------------------------------------------------------------


def test_lookup_by_external_id_prefers_the_stores_own_pickup(web, shop, other_shop, tee):
    pos = ChannelFactory(code="pos", name="Point of sale")
    stocked(shop, tee, 5)
    stocked(other_shop, tee, 5)
    elsewhere = ready(place_pickup(pos, other_shop, [("TEE-BLK-M", 1)], external_id="1001"))
    here = ready(place_pickup(web, shop, [("TEE-BLK-M", 1)], external_id="1001"))

    assert pickup_lookup(store=shop, raw="1001", actor=None).pickup == here
    assert pickup_lookup(store=other_shop, raw="1001", actor=None).pickup == elsewhere
    assert not OrderEvent.objects.filter(message__contains="presented at").exists()


def ready(pickup: Pickup) -> Pickup:
    pickup_start(pickup=pickup, actor=None)
    return pickup_mark_ready(pickup=pickup, scanned=None, actor=None)
