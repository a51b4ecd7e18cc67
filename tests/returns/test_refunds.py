"""Refund records: computed at inspection (Decimal), dispatched to the channel once, or executed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from returns.models import RefundStatus, ReturnSource, ReturnStatus
from returns.services import (
    RefundFailed,
    RefundResult,
    ReturnLineInput,
    UnitInspection,
    refund_dispatch,
    refund_mark_executed,
    return_close,
    return_inspect,
    return_receive,
    return_request,
)
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db


class ChannelRefunds:
    """A channel's refund endpoint kept in memory: deduplicates by our reference, can be made to fail."""

    refunds: dict[str, Decimal] = {}
    failing = False

    def __init__(self, channel):
        self.channel = channel

    def refund(self, request):
        if ChannelRefunds.failing:
            raise RefundFailed("503 from the channel", retry=True)
        ChannelRefunds.refunds.setdefault(request.reference, request.amount)
        return RefundResult(channel_reference=f"re_{request.reference}")


@pytest.fixture(autouse=True)
def _fresh_channel():
    ChannelRefunds.refunds = {}
    ChannelRefunds.failing = False


def inspected(net, *, reason="changed_mind", conditions=("new",), tax="0.00", postal_code="75201"):
    order = delivered_order(
        net.channel,
        [("TEE-BLK-M", len(conditions), "20.00")],
        postal_code=postal_code,
        tax_total=Decimal(tax),
    )
    rma = return_request(
        order=order, lines=[ReturnLineInput(len(conditions), reason, sku="TEE-BLK-M")], source=ReturnSource.API
    )
    assert rma.return_location is not None
    return_receive(rma=rma, location=rma.return_location, actor=None)
    inspections = [
        UnitInspection(unit.pk, condition, "restock" if condition in ("new", "opened") else "scrap", scrap_reason="x")
        for unit, condition in zip(rma.units.order_by("sequence"), conditions, strict=True)
    ]
    result = return_inspect(rma=rma, inspections=inspections, actor=None)
    rma.refresh_from_db()
    return rma, result.refund


def test_change_of_mind_pays_the_label_and_the_fee_tax_comes_back(net):
    # 2 x 20.00; 15% fee -> 6.00; tax 3.30 on 40.00 of 40.00 -> 3.30; the label is the customer's.
    rma, refund = inspected(net, conditions=("new", "opened"), tax="3.30")
    assert refund.items_amount == Decimal("40.00")
    assert refund.restocking_fee == Decimal("6.00")
    assert refund.tax_amount == Decimal("3.30")
    assert refund.return_shipping == rma.label_rate > 0
    assert refund.amount == Decimal("40.00") + Decimal("3.30") - Decimal("6.00") - rma.label_rate
    assert [row["label"] for row in refund.breakdown] == [
        "TEE-BLK-M \u00d7 2",
        "Restocking fee 15% on TEE-BLK-M \u00d7 2",
        "Tax on the returned items",
        "Return label (paid by the customer)",
    ]


def test_without_a_connector_the_refund_waits_for_staff_then_settles_the_return(net, back_office_user):
    rma, refund = inspected(net, reason="defective", conditions=("defective",))
    assert refund.amount == Decimal("20.00")  # faulty: free return, no fee
    assert refund_dispatch(refund_id=refund.pk).status == RefundStatus.PENDING

    refund_mark_executed(refund=refund, actor=back_office_user, reference="shop-refund-77")
    refund.refresh_from_db()
    rma.refresh_from_db()
    assert (refund.status, refund.channel_reference, refund.executed_by) == (
        RefundStatus.EXECUTED,
        "shop-refund-77",
        back_office_user,
    )
    assert rma.status == ReturnStatus.REFUNDED
    return_close(rma=rma, actor=back_office_user)
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.CLOSED


def test_the_connector_executes_the_refund_once(net, settings):
    settings.RETURNS_REFUND_CONNECTOR = "tests.returns.test_refunds.ChannelRefunds"
    rma, refund = inspected(net, reason="defective", conditions=("defective",))
    refund_dispatch(refund_id=refund.pk)
    refund_dispatch(refund_id=refund.pk)
    refund.refresh_from_db()
    rma.refresh_from_db()
    assert ChannelRefunds.refunds == {rma.number: Decimal("20.00")}
    assert (refund.status, refund.channel_reference, refund.attempts) == (RefundStatus.EXECUTED, f"re_{rma.number}", 1)
    assert rma.status == ReturnStatus.REFUNDED


def test_a_channel_that_fails_marks_the_refund_failed_and_asks_for_a_retry(net, settings):
    settings.RETURNS_REFUND_CONNECTOR = "tests.returns.test_refunds.ChannelRefunds"
    ChannelRefunds.failing = True
    _rma, refund = inspected(net, reason="defective", conditions=("defective",))
    with pytest.raises(RefundFailed):
        refund_dispatch(refund_id=refund.pk)
    refund.refresh_from_db()
    assert (refund.status, refund.last_error) == (RefundStatus.FAILED, "503 from the channel")
    ChannelRefunds.failing = False
    refund_dispatch(refund_id=refund.pk)
    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == (RefundStatus.EXECUTED, 2)


def test_the_refund_is_dispatched_after_commit(net, settings, django_capture_on_commit_callbacks):
    settings.RETURNS_REFUND_CONNECTOR = "tests.returns.test_refunds.ChannelRefunds"
    with django_capture_on_commit_callbacks(execute=True):
        rma, refund = inspected(net, reason="defective", conditions=("defective",))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.EXECUTED
    assert ChannelRefunds.refunds == {rma.number: Decimal("20.00")}


def test_a_refund_that_fees_and_the_label_eat_up_is_executed_at_once_at_zero(net):
    from orders.models import OrderLine

    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "2.00")], postal_code="75201")
    rma = return_request(
        order=order, lines=[ReturnLineInput(1, "changed_mind", sku="TEE-BLK-M")], source=ReturnSource.STAFF
    )
    assert rma.return_location is not None
    return_receive(rma=rma, location=rma.return_location, actor=None)
    result = return_inspect(rma=rma, inspections=[UnitInspection(rma.units.get().pk, "new", "restock")], actor=None)
    rma.refresh_from_db()
    assert result.refund is not None
    assert result.refund.amount == Decimal("0.00")
    assert result.refund.status == RefundStatus.EXECUTED
    assert rma.status == ReturnStatus.REFUNDED
    assert OrderLine.objects.get(order=order).quantity_shipped == 1


def test_an_exchange_only_return_ends_exchanged_without_a_refund(net):
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], postal_code="75201")
    rma = return_request(
        order=order,
        lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M", exchange_sku="TEE-BLK-L")],
        source=ReturnSource.STAFF,
    )
    assert rma.return_location is not None
    return_receive(rma=rma, location=rma.return_location, actor=None)
    result = return_inspect(rma=rma, inspections=[UnitInspection(rma.units.get().pk, "new", "restock")], actor=None)
    rma.refresh_from_db()
    assert result.refund is None
    assert rma.status == ReturnStatus.EXCHANGED


def _return_and_inspect(order, quantity):
    rma = return_request(
        order=order, lines=[ReturnLineInput(quantity, "doesnt_fit", sku="TEE-BLK-M")], source=ReturnSource.API
    )
    assert rma.return_location is not None
    return_receive(rma=rma, location=rma.return_location, actor=None)
    inspections = [UnitInspection(unit.pk, "new", "restock") for unit in rma.units.order_by("sequence")]
    return return_inspect(rma=rma, inspections=inspections, actor=None).refund


def test_three_returns_of_one_order_refund_its_tax_exactly_once(net):
    # 3 tees at 1.00 with 1.00 tax: one third each would round to 0.33 three times (0.99), or over-refund
    # if each return took its own rounded-up share; the cumulative rule gives 0.33 + 0.34 + 0.33.
    order = delivered_order(net.channel, [("TEE-BLK-M", 3, "1.00")], postal_code="75201", tax_total=Decimal("1.00"))
    refunds = [_return_and_inspect(order, 1) for _ in range(3)]
    assert [r.tax_amount for r in refunds] == [Decimal("0.33"), Decimal("0.34"), Decimal("0.33")]
    assert sum(r.tax_amount for r in refunds) == order.tax_total
    assert sum(r.items_amount for r in refunds) == order.subtotal
