"""Return requests and the policy: what is authorised, held, refused (nothing written), routed and labelled."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from carriers.builtin import tracking_number_valid
from core.errors import Conflict, NotFound, ValidationFailed
from orders.models import OrderEvent, OrderStatus
from returns.models import (
    OutOfWindow,
    ReturnAuthorization,
    ReturnLine,
    ReturnMethod,
    ReturnSource,
    ReturnStatus,
)
from returns.services import (
    PolicyInput,
    ReturnLineInput,
    return_approve,
    return_cancel,
    return_policy_default_ensure,
    return_policy_set,
    return_receive,
    return_reject,
    return_request,
    returnable_lines,
)
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db


def request(order, *lines, source=ReturnSource.STAFF, **kwargs):
    return return_request(order=order, lines=list(lines), source=source, **kwargs)


def tee(quantity=1, reason="doesnt_fit", **kwargs):
    return ReturnLineInput(quantity=quantity, reason=reason, sku="TEE-BLK-M", **kwargs)


@pytest.fixture
def order(net):
    return delivered_order(net.channel, [("TEE-BLK-M", 2, "20.00"), ("MUG-WHT", 1, "12.50")])


def nothing_written(order):
    return not ReturnAuthorization.objects.filter(order=order).exists() and not ReturnLine.objects.exists()


def test_a_request_inside_policy_is_authorised_routed_and_labelled(net, order):
    rma = request(order, tee(2))

    assert rma.status == ReturnStatus.AUTHORIZED
    assert rma.method == ReturnMethod.MAIL
    # The customer lives in 10001: the New York store takes returns and carries the tee.
    assert rma.return_location == net.store
    assert rma.routing_reason.startswith("Returns to nyc-store: takes back these SKUs")
    assert "Runner-up dal-dc" in rma.routing_reason
    assert tracking_number_valid(rma.carrier, rma.tracking_number)
    assert rma.label_rate is not None and rma.label_data.startswith("^XA")
    assert rma.number in rma.label_data
    messages = list(OrderEvent.objects.filter(order=order, data__rma=rma.pk).values_list("message", flat=True))
    assert any("Requested → Authorized" in m for m in messages)
    assert any("Return label" in m for m in messages)


def test_the_nearest_location_that_carries_the_skus_wins(net, order):
    # The store does not carry mugs; Dallas does (the store is nearer but cannot take mugs back for resale).
    rma = request(order, ReturnLineInput(quantity=1, reason="doesnt_fit", sku="MUG-WHT"))
    assert rma.return_location == net.warehouse
    assert "takes back these SKUs" in rma.routing_reason


def test_a_location_that_does_not_take_returns_is_never_chosen(net):
    far_customer = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-2", postal_code="89501")
    rma = request(far_customer, tee())
    assert rma.return_location != net.far_warehouse
    assert rma.return_location == net.warehouse  # nearer to Reno than New York


def test_more_units_than_shipped_is_refused_and_nothing_is_written(order):
    with pytest.raises(ValidationFailed) as refusal:
        request(order, tee(3))
    assert refusal.value.message == "TEE-BLK-M: only 2 can be returned (2 shipped)."
    assert refusal.value.field == "lines[0].quantity"
    assert nothing_written(order)


def test_units_already_on_their_way_back_cannot_be_requested_again(order):
    request(order, tee(1))
    with pytest.raises(ValidationFailed) as refusal:
        request(order, tee(2))
    assert "only 1 can be returned (2 shipped, 1 already returned or on the way back)" in refusal.value.message
    assert ReturnAuthorization.objects.filter(order=order).count() == 1


def test_a_cancelled_return_frees_its_units_and_a_received_one_counts_what_arrived(net, order):
    first = request(order, tee(2))
    return_cancel(rma=first, actor=None, reason="customer kept it")
    second = request(order, tee(2))
    return_receive(rma=second, location=net.store, actor=None, quantities={second.lines.get().pk: 1})
    [line, _mug] = returnable_lines(order)
    assert (line.shipped, line.returned, line.available) == (2, 1, 1)


def test_units_not_shipped_yet_cannot_be_returned(net):
    from tests.factories.orders import place_order

    open_order = place_order(net.channel, [("TEE-BLK-M", 1)], external_id="OPEN-1").order
    with pytest.raises(ValidationFailed, match="has not shipped yet"):
        request(open_order, tee())
    assert nothing_written(open_order)


def test_a_non_returnable_sku_is_refused(order):
    policy = return_policy_default_ensure()
    policy.non_returnable_skus.add(order.lines.get(sku__code="MUG-WHT").sku)
    with pytest.raises(ValidationFailed, match=r"MUG-WHT \(White mug\) cannot be returned under this shop's policy"):
        request(order, tee(), ReturnLineInput(quantity=1, reason="doesnt_fit", sku="MUG-WHT"))
    assert nothing_written(order)


def test_an_unknown_reason_a_line_of_another_order_and_a_repeated_line_are_refused(net, order):
    other = delivered_order(net.channel, [("MUG-WHT", 1, "12.50")], external_id="W-2")
    with pytest.raises(ValidationFailed, match="choose a reason"):
        request(order, tee(reason="bored"))
    with pytest.raises(NotFound, match="not a line of this order"):
        request(order, ReturnLineInput(quantity=1, reason="doesnt_fit", order_line_id=other.lines.get().pk))
    with pytest.raises(ValidationFailed, match="listed twice"):
        request(order, tee(), tee())
    with pytest.raises(ValidationFailed, match="at least 1 unit"):
        request(order, tee(0))
    assert nothing_written(order)


def test_the_window_counts_from_delivery_last_day_accepted(net):
    on_the_last_day = delivered_order(
        net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-30", delivered_days_ago=30
    )
    assert request(on_the_last_day, tee()).status == ReturnStatus.AUTHORIZED


def test_late_within_the_grace_days_is_held_for_approval_then_approved(net):
    late = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-40", delivered_days_ago=40)
    rma = request(late, tee())
    assert rma.status == ReturnStatus.REQUESTED
    assert rma.needs_approval
    assert "the 30-day return window ended" in rma.hold_reason and "(10 days ago)" in rma.hold_reason
    assert rma.return_location is None and not rma.tracking_number

    approved = return_approve(rma=rma, actor=None, note="loyal customer")
    assert approved.status == ReturnStatus.AUTHORIZED
    assert approved.return_location == net.store and approved.tracking_number
    assert return_approve(rma=rma, actor=None).status == ReturnStatus.AUTHORIZED  # twice: nothing more


def test_later_than_the_grace_days_is_refused_with_the_dates(net):
    too_late = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-45", delivered_days_ago=45)
    with pytest.raises(ValidationFailed) as refusal:
        request(too_late, tee())
    assert refusal.value.message.startswith("This order can no longer be returned: delivered ")
    assert "the 30-day return window ended" in refusal.value.message
    assert nothing_written(too_late)


def test_a_policy_that_refuses_late_requests_refuses_the_first_late_day(net):
    return_policy_set(
        channel=net.channel,
        data=PolicyInput(
            window_days=14,
            late_action=OutOfWindow.REFUSE,
            grace_days=30,
            restocking_fee_percent=Decimal("0"),
            fee_on_opened=False,
            refund_tax=True,
            instant_exchange_min_orders=None,
        ),
    )
    day_15 = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-15", delivered_days_ago=15)
    with pytest.raises(ValidationFailed, match="14-day return window ended"):
        request(day_15, tee())


def test_an_order_still_on_its_way_can_be_returned_within_the_window(net):
    in_transit = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-T", delivered_days_ago=None)
    assert in_transit.status == OrderStatus.SHIPPED
    assert request(in_transit, tee()).status == ReturnStatus.AUTHORIZED


def test_an_order_shipped_long_ago_without_a_delivery_scan_is_refused(net):
    from fulfillment.models import Shipment

    lost_scan = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-OLD", delivered_days_ago=None)
    long_ago = timezone.now() - timedelta(days=900)
    Shipment.objects.filter(order=lost_scan).update(shipped_at=long_ago, estimated_delivery=None)

    with pytest.raises(ValidationFailed, match=r"no longer be returned: shipped, due .*no delivery scan.*30-day"):
        request(lost_scan, tee())
    assert nothing_written(lost_scan)


def test_without_a_delivery_scan_the_window_counts_from_the_estimated_delivery_else_a_week_after_shipping(net):
    from fulfillment.models import Shipment

    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-EST", delivered_days_ago=None)
    shipments = Shipment.objects.filter(order=order)
    # Shipped 40 days ago, due 12 days later: the 30-day window ends in 2 days, so it is open.
    shipments.update(
        shipped_at=timezone.now() - timedelta(days=40),
        estimated_delivery=timezone.localdate() - timedelta(days=28),
    )
    (line,) = returnable_lines(order)
    assert line.basis == "assumed" and line.window_start == timezone.localdate() - timedelta(days=28)
    assert request(order, tee()).status == ReturnStatus.AUTHORIZED

    other = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-EST2", delivered_days_ago=None)
    # No estimate: shipped + 7 days. 38 days ago + 7 = day 31 ago: one day past a 30-day window (held, grace 14).
    Shipment.objects.filter(order=other).update(shipped_at=timezone.now() - timedelta(days=38), estimated_delivery=None)
    held = request(other, tee())
    assert held.status == ReturnStatus.REQUESTED and "late: shipped, due" in held.hold_reason


def test_the_window_is_counted_in_the_merchants_time_zone(net, settings):
    from fulfillment.models import Shipment

    settings.TIME_ZONE = "America/Los_Angeles"
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-TZ")
    # Delivered at 02:00 UTC: still the evening before in Los Angeles.
    delivered_at = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    Shipment.objects.filter(order=order).update(delivered_at=delivered_at)
    (line,) = returnable_lines(order)
    assert line.window_start == date(2026, 3, 9)
    assert line.delivered_on == date(2026, 3, 9)


def test_a_reason_that_needs_review_holds_the_request_and_rejection_frees_the_units(order):
    rma = request(order, tee(reason="other"))
    assert rma.status == ReturnStatus.REQUESTED
    assert "needs a review" in rma.hold_reason
    with pytest.raises(ValidationFailed, match="Say why"):
        return_reject(rma=rma, actor=None, reason=" ")
    return_reject(rma=rma, actor=None, reason="Worn items cannot be returned.")
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.REJECTED and rma.decision_note == "Worn items cannot be returned."
    assert returnable_lines(order)[0].available == 2
    with pytest.raises(Conflict):
        return_approve(rma=rma, actor=None)


def test_an_exchange_creates_a_held_replacement_order_released_on_receipt(net, order):
    rma = request(order, tee(exchange_sku="TEE-BLK-L"))
    replacement = rma.exchange_order
    assert replacement is not None
    assert replacement.status == OrderStatus.ON_HOLD
    assert replacement.external_id == f"W-1001-{rma.number}"
    assert [(line.sku.code, line.quantity, line.unit_price) for line in replacement.lines.all()] == [
        ("TEE-BLK-L", 1, Decimal("20.00"))  # priced at what was paid for the returned tee
    ]
    assert replacement.shipments.get().status == "requested"  # routed and reserved, not shippable

    return_receive(rma=rma, location=net.store, actor=None)
    replacement.refresh_from_db()
    assert replacement.status == OrderStatus.ROUTED


def test_an_exchange_ships_at_once_for_a_trusted_customer(net, order):
    return_policy_set(
        channel=net.channel,
        data=PolicyInput(
            window_days=30,
            late_action=OutOfWindow.HOLD,
            grace_days=0,
            restocking_fee_percent=Decimal("0"),
            fee_on_opened=False,
            refund_tax=True,
            instant_exchange_min_orders=1,
        ),
    )
    rma = request(order, tee(exchange_sku="TEE-BLK-L"))
    assert rma.exchange_order.status == OrderStatus.ROUTED


def test_an_exchange_for_the_same_or_an_unknown_sku_is_refused(order):
    with pytest.raises(ValidationFailed, match="another SKU or size"):
        request(order, tee(exchange_sku="TEE-BLK-M"))
    with pytest.raises(NotFound, match="unknown SKU 'NOPE'"):
        request(order, tee(exchange_sku="NOPE"))
    assert nothing_written(order)


def test_cancelling_a_return_cancels_its_held_exchange_order(order):
    rma = request(order, tee(exchange_sku="TEE-BLK-L"))
    return_cancel(rma=rma, actor=None, reason="changed their mind")
    rma.exchange_order.refresh_from_db()
    assert rma.exchange_order.status == OrderStatus.CANCELLED


def test_a_carrier_refusal_leaves_the_return_authorised_with_the_reason_to_retry(net, order, settings):
    settings.CARRIER_CLIENT = "tests.returns.test_requests.RefusingCarrier"
    rma = request(order, tee())
    assert rma.status == ReturnStatus.AUTHORIZED
    assert not rma.tracking_number
    assert rma.label_error == "The carrier refused the label: Address not served."

    from returns.services import return_label_buy

    settings.CARRIER_CLIENT = "carriers.builtin.CarrierSandbox"
    labelled = return_label_buy(rma=rma)
    assert labelled.tracking_number and not labelled.label_error


class RefusingCarrier:
    """A carrier that refuses every label (as a real one does for an address it does not serve)."""

    def create_return_label(self, request):
        from carriers.builtin import CarrierError

        raise CarrierError("Address not served.")


def test_a_pickup_handed_over_starts_its_window_when_it_was_picked_up(net):
    from fulfillment.models import Shipment
    from orders.models import DeliveryMethod, Order

    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-PU", delivered_days_ago=None)
    # A handed-over pickup is a shipped shipment with no carrier delivery scan: picked up 60 days ago.
    Order.objects.filter(pk=order.pk).update(delivery_method=DeliveryMethod.PICKUP)
    Shipment.objects.filter(order=order).update(
        shipped_at=timezone.now() - timedelta(days=60), estimated_delivery=timezone.localdate()
    )
    order.refresh_from_db()
    (line,) = returnable_lines(order)
    assert line.basis == "picked up" and line.window_start == timezone.localdate() - timedelta(days=60)
    with pytest.raises(ValidationFailed, match="no longer be returned: picked up"):
        request(order, tee())


def test_the_customer_is_emailed_when_a_held_request_is_approved_or_rejected(
    net, order, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.RETURNS_PUBLIC_BASE_URL = "https://shop.example.com"
    held = request(order, tee(reason="other"))
    assert mailoutbox == []  # held: nothing decided yet
    with django_capture_on_commit_callbacks(execute=True):
        return_approve(rma=held, actor=None, note="Fine this once")
    (approved,) = mailoutbox
    assert approved.to == ["ada@example.com"]
    assert approved.subject == f"Your return {held.number} for order {order.number} is approved"
    assert f"https://shop.example.com/returns/self/r/{held.public_token}/" in approved.body
    assert "Print your prepaid return label" in approved.body and "Fine this once" in approved.body
    with django_capture_on_commit_callbacks(execute=True):
        return_approve(rma=held, actor=None)  # approving twice sends nothing more
    assert len(mailoutbox) == 1

    other = request(order, ReturnLineInput(quantity=1, reason="other", sku="MUG-WHT"))
    with django_capture_on_commit_callbacks(execute=True):
        return_reject(rma=other, actor=None, reason="Mugs bought on sale are final.")
    rejected = mailoutbox[1]
    assert rejected.subject == f"Your return {other.number} for order {order.number} was not accepted"
    assert "Mugs bought on sale are final." in rejected.body and other.public_token in rejected.body
