"""Each kind of customer email, from the event that owes it to what the customer reads."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from carriers.connectors.base import TrackingReport, TrackingUpdate
from core.errors import NotFound
from fulfillment.models import CostSettings, Package, PickupStatus, Shipment
from fulfillment.services import (
    BoxInput,
    cost_model_forget,
    order_cancel,
    package_tracking_record,
    pickup_mark_ready,
    pickup_start,
    pickups_expire,
    shipment_accept,
    shipment_label,
    shipment_pack,
)
from notifications.models import Notification, NotificationKind, NotificationState
from notifications.services import notification_send, shipment_delays_detect
from orders.models import OrderEvent, OrderStatus
from returns.models import ReturnSource
from returns.services import (
    ReturnLineInput,
    UnitInspection,
    refund_mark_executed,
    return_inspect,
    return_receive,
    return_request,
)
from tests.factories import SKUFactory
from tests.factories.returns import ship_order
from tests.factories.stores import place_pickup, set_store_settings
from tests.notifications.conftest import place, rows

pytestmark = pytest.mark.django_db

TEE, MUG = "4006381333931", "0012345678905"


def html_of(email) -> str:
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    return str(html)


def test_a_new_order_is_confirmed_once_with_its_items_and_totals(net, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(net, [("TEE-BLK-M", 2, "19.00"), ("MUG-WHT", 1, "12.50")], tax_total=Decimal("2.00"))

    [email] = mailoutbox
    assert email.to == ["ada@example.com"]
    assert email.subject == f"Your Fulfil Goods order {order.number} is confirmed"
    assert email.from_email == "Fulfil orders <orders@fulfil.example.com>"
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "2 x Black tee, M (TEE-BLK-M): 38.00 USD" in email.body
    assert "Total: 52.50 USD" in email.body
    assert "12 Analytical Row" in email.body
    html = html_of(email)
    assert "<strong>52.50 USD</strong>" in html and "Black tee, M" in html
    [row] = rows(order)
    assert (row.kind, row.state, row.subject) == (
        NotificationKind.ORDER_CONFIRMATION,
        NotificationState.SENT,
        email.subject,
    )
    # The send is on the order's timeline.
    assert OrderEvent.objects.filter(
        order=order, message__startswith="Order confirmation email sent to ada@example.com"
    ).exists()


def test_an_order_refused_by_intake_owes_nothing(net, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotFound, match="unknown SKU"):
        place(net, [("TEE-BLK-M", 1, "19.00"), ("NOPE", 1, "1.00")])
    assert mailoutbox == []
    assert not Notification.objects.exists()


def pack_in_two_boxes(shipment: Shipment) -> None:
    shipment_accept(shipment=shipment, actor=None)
    codes = [line.sku.barcode for line in shipment.lines.select_related("sku") for _ in range(line.quantity)]
    shipment_pack(
        shipment=shipment,
        boxes=[BoxInput(codes=codes[:1], weight_grams=500), BoxInput(codes=codes[1:], weight_grams=700)],
        actor=None,
    )


def test_a_shipment_in_two_boxes_is_one_email_with_each_box_and_its_tracking_link(
    net, mailoutbox, django_capture_on_commit_callbacks
):
    order = place(net, [("TEE-BLK-M", 2, "19.00"), ("MUG-WHT", 1, "12.50")])
    [shipment] = order.shipments.all()
    pack_in_two_boxes(shipment)
    link = "https://track.easypost.com/djE6dHJrXzEyMw?a=1&b=2"

    with django_capture_on_commit_callbacks(execute=True):
        shipment_label(shipment=shipment, actor=None)
        # The first box's carrier gave a tracking page (an aggregator does); the built-in carrier has none.
        Package.objects.filter(shipment=shipment, box_number=1).update(tracking_url=link)

    first, second = Package.objects.filter(shipment=shipment).order_by("box_number")
    [email] = mailoutbox
    assert email.subject == f"Your Fulfil Goods order {order.number} has shipped in 2 boxes"
    assert f"Box 1: parcelway {first.tracking_number}\n  {link}" in email.body
    assert f"Box 2: parcelway {second.tracking_number}" in email.body
    html = html_of(email)
    assert f'<a href="{link.replace("&", "&amp;")}" style="color:#1f5fbf">{first.tracking_number}</a>' in html
    assert second.tracking_number in html and html.count("<a href=") == 1
    [row] = rows(order, NotificationKind.SHIPPED)
    assert row.dedupe_key == f"shipped:{shipment.pk}" and row.state == NotificationState.SENT
    assert OrderEvent.objects.filter(
        order=order, message__startswith=f"Shipped email ({shipment.number}) sent"
    ).exists()


def test_the_shipped_email_links_a_national_carriers_public_tracking_page(
    net, mailoutbox, django_capture_on_commit_callbacks
):
    order = place(net)
    ship_order(order, delivered_days_ago=None)
    [shipment] = order.shipments.all()
    box = shipment.packages.get()
    Package.objects.filter(pk=box.pk).update(carrier="UPS")
    mailoutbox.clear()

    notification_send(key=f"shipped:{shipment.pk}")

    [email] = mailoutbox
    assert f"https://www.ups.com/track?tracknum={box.tracking_number}" in email.body
    assert "Your order" in email.body and "Still to come" not in email.body


def test_a_shipment_estimated_after_the_promised_date_gets_one_delay_email(
    net, mailoutbox, django_capture_on_commit_callbacks
):
    # The merchant accepts late deliveries rather than backorders: routing ships though it cannot keep the promise.
    costs = CostSettings.objects.first() or CostSettings()
    costs.late_penalty_per_day = Decimal("0.00")
    costs.save()
    cost_model_forget()
    promised = timezone.localdate()
    order = place(net, promised_delivery_date=promised)
    [shipment] = order.shipments.all()
    assert shipment.estimated_delivery is not None and shipment.estimated_delivery > promised

    with django_capture_on_commit_callbacks(execute=True):
        assert shipment_delays_detect() == [shipment.pk]
        assert shipment_delays_detect() == []  # told once

    [email] = mailoutbox
    assert email.subject == f"Your Fulfil Goods order {order.number} is running late"
    assert "will arrive later than we promised" in email.body
    assert (
        f"It should now arrive by {shipment.estimated_delivery:%A, %B} {shipment.estimated_delivery.day}." in email.body
    )
    [row] = rows(order, NotificationKind.DELAYED)
    assert (row.dedupe_key, row.data) == (f"delayed:{shipment.pk}", {"cause": "late_estimate"})


def test_a_carrier_exception_on_a_box_gets_a_delay_email_with_the_carriers_words(
    net, mailoutbox, django_capture_on_commit_callbacks
):
    order = place(net)  # no promised date: only the carrier's problem makes it late
    ship_order(order, delivered_days_ago=None)
    box = Package.objects.get(shipment__order=order)
    assert shipment_delays_detect() == []
    report = TrackingReport(
        tracking_number=box.tracking_number,
        status="exception",
        events=(TrackingUpdate("exception", timezone.now(), "Address not found, held at the depot"),),
    )
    package_tracking_record(box, report, source="carrier webhook")

    with django_capture_on_commit_callbacks(execute=True):
        assert shipment_delays_detect() == [box.shipment_id]

    [email] = mailoutbox
    assert "the carrier reported a problem with your parcel" in email.body
    assert "Address not found, held at the depot" in email.body and box.tracking_number in email.body


def test_a_delivered_or_cancelled_order_is_never_late(net, mailoutbox):
    promised = timezone.localdate() + timedelta(days=7)
    delivered = place(net, external_id="W-1", promised_delivery_date=promised)
    ship_order(delivered, delivered_days_ago=0)
    cancelled = place(net, external_id="W-2", promised_delivery_date=promised)
    order_cancel(order=cancelled, actor=None)
    assert shipment_delays_detect(now=timezone.now() + timedelta(days=8)) == []


def test_cancelling_what_has_not_shipped_of_a_partly_shipped_order_says_what_was_cancelled(
    net, mailoutbox, django_capture_on_commit_callbacks
):
    SKUFactory(code="CAP-RED", name="Red cap", barcode="0099887766554")  # none in stock: backordered
    order = place(net, [("TEE-BLK-M", 1, "19.00"), ("CAP-RED", 2, "9.00")])
    ship_order(order, delivered_days_ago=None)
    assert order.status == OrderStatus.PARTIALLY_SHIPPED

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=None, reason="supplier discontinued the cap")

    [email] = mailoutbox
    assert email.subject == f"Part of your Fulfil Goods order {order.number} was cancelled"
    assert "2 x Red cap (CAP-RED)" in email.body and "Black tee" not in email.body
    assert "supplier" not in email.body  # the staff's reason is not the customer's business
    assert [row.kind for row in rows(order) if row.state == NotificationState.SENT] == [
        NotificationKind.PARTIALLY_CANCELLED
    ]


def test_a_cancelled_order_gets_one_cancellation_email(net, mailoutbox, django_capture_on_commit_callbacks):
    order = place(net, [("TEE-BLK-M", 2, "19.00")])

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=None, reason="customer asked")
        order_cancel(order=order, actor=None)  # cancelling again changes nothing

    [email] = mailoutbox
    assert email.subject == f"Your Fulfil Goods order {order.number} was cancelled"
    assert "2 x Black tee, M (TEE-BLK-M)" in email.body
    assert [row.dedupe_key for row in rows(order, NotificationKind.CANCELLED)] == [f"cancelled:{order.pk}"]


def test_a_pickup_not_collected_in_time_gets_the_pickup_expired_email_instead_of_cancelled(
    net, mailoutbox, django_capture_on_commit_callbacks
):
    store = set_store_settings(net.store, hold_days=3)
    pickup = place_pickup(net.channel, store, [("TEE-BLK-M", 1)])
    pickup_start(pickup=pickup, actor=None)
    pickup = pickup_mark_ready(pickup=pickup, scanned=[TEE], actor=None)
    assert pickup.hold_until is not None

    with django_capture_on_commit_callbacks(execute=True):
        assert pickups_expire(now=pickup.hold_until + timedelta(minutes=1)) == [pickup.pk]

    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.EXPIRED
    [email] = mailoutbox
    assert email.subject == f"Your Fulfil Goods order {pickup.order.number} was not collected and is cancelled"
    assert "waited for you at New York Store" in email.body and "1 x Black tee, M" in email.body
    # The hold's end is the store's wall-clock time, not the server's, whatever zone the worker runs in.
    held_until = timezone.localtime(pickup.hold_until, ZoneInfo(store.timezone))
    assert store.timezone != settings.TIME_ZONE
    assert held_until.strftime("%A, %B %-d, %-I:%M") in email.body
    kinds = {row.kind: row.state for row in rows(pickup.order)}
    assert kinds[NotificationKind.PICKUP_EXPIRED] == NotificationState.SENT
    assert kinds[NotificationKind.CANCELLED] == NotificationState.SKIPPED


def test_a_refund_issued_for_a_return_is_emailed_with_its_amount(
    net, mailoutbox, back_office_user, django_capture_on_commit_callbacks
):
    order = place(net, [("TEE-BLK-M", 1, "20.00")])
    ship_order(order, delivered_days_ago=2)
    rma = return_request(order=order, lines=[ReturnLineInput(1, "defective", sku="TEE-BLK-M")], source=ReturnSource.API)
    assert rma.return_location is not None
    return_receive(rma=rma, location=rma.return_location, actor=None)
    unit = rma.units.get()
    refund = return_inspect(
        rma=rma, inspections=[UnitInspection(unit.pk, "defective", "scrap", scrap_reason="torn")], actor=None
    ).refund
    assert refund is not None and mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        refund_mark_executed(refund=refund, actor=back_office_user, reference="shop-refund-1")

    [email] = mailoutbox
    assert email.subject == f"Your refund of 20.00 USD for order {order.number} is on its way"
    assert f"return {rma.number}" in email.body and "1 x Black tee, M (TEE-BLK-M)" in email.body
    [row] = rows(order, NotificationKind.REFUND_ISSUED)
    assert row.dedupe_key == f"refund_issued:{refund.pk}"


def test_an_order_not_delivered_by_its_promised_date_gets_a_delay_email(
    net, mailoutbox, django_capture_on_commit_callbacks
):
    order = place(net, promised_delivery_date=timezone.localdate() + timedelta(days=7))
    ship_order(order, delivered_days_ago=None)
    [shipment] = order.shipments.all()
    assert shipment_delays_detect() == []  # on time so far

    with django_capture_on_commit_callbacks(execute=True):
        assert shipment_delays_detect(now=timezone.now() + timedelta(days=8)) == [shipment.pk]

    [email] = mailoutbox
    assert "has not reached you by the date we promised" in email.body
