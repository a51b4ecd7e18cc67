"""Exchanges: never for something dearer than was paid without approval, and cut to what came back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.models import SKU, StockLevel
from orders.models import OrderStatus
from returns.models import ReturnStatus
from returns.services import ReturnLineInput, return_approve, return_receive, return_request
from tests.factories.inventory import stocked
from tests.factories.pages import make_sku
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db


def exchange(order, sku="TEE-BLK-M", quantity=1, to="TEE-BLK-L"):
    line = ReturnLineInput(quantity=quantity, reason="doesnt_fit", sku=sku, exchange_sku=to)
    return return_request(order=order, lines=[line], source="self_service", actor_label="customer")


def test_an_exchange_for_a_dearer_sku_waits_for_approval_and_then_ships_at_the_price_paid(net):
    tv = make_sku(code="TV-65", name="65-inch TV", price=Decimal("2999.00"), weight_grams=20000)
    stocked(net.warehouse, tv, 5)
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "5.00")], external_id="W-CHEAP")

    rma = exchange(order, to="TV-65")

    assert rma.status == ReturnStatus.REQUESTED
    assert rma.exchange_order is None  # nothing reserved or shipped while it waits
    assert "TV-65 (price 2999.00) needs approval: it costs more than was paid" in rma.hold_reason
    assert StockLevel.objects.get(location=net.warehouse, sku=tv).reserved == 0

    approved = return_approve(rma=rma, actor=None, note="goodwill")
    replacement = approved.exchange_order
    assert replacement is not None
    assert [(line.sku.code, line.unit_price) for line in replacement.lines.all()] == [("TV-65", Decimal("5.00"))]


def test_an_exchange_no_dearer_than_what_was_paid_is_authorised_at_once(net):
    SKU.objects.filter(code="TEE-BLK-L").update(price=Decimal("20.00"))
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-SAME")
    rma = exchange(order)
    assert rma.status == ReturnStatus.AUTHORIZED and not rma.hold_reason
    assert rma.exchange_order.lines.get().unit_price == Decimal("20.00")


def test_a_short_parcel_releases_only_the_units_that_came_back(net):
    order = delivered_order(net.channel, [("TEE-BLK-M", 3, "20.00")], external_id="W-SHORT")
    rma = exchange(order, quantity=3)
    replacement = rma.exchange_order
    assert replacement is not None
    assert StockLevel.objects.get(location=net.warehouse, sku=net.tee_large).reserved == 3

    line = rma.lines.get()
    return_receive(rma=rma, location=net.warehouse, actor=None, quantities={line.pk: 1})

    replacement.refresh_from_db()
    assert replacement.status == OrderStatus.ROUTED
    (replacement_line,) = replacement.lines.all()
    assert replacement_line.quantity_cancelled == 2
    assert replacement_line.quantity_allocated == 1
    shipping = replacement.shipments.exclude(status__in=["cancelled", "rejected"])
    assert sum(s.lines.get().quantity for s in shipping) == 1
    # Only one large tee stays promised to the customer.
    assert StockLevel.objects.get(location=net.warehouse, sku=net.tee_large).reserved == 1


def test_an_exchange_line_with_nothing_received_is_never_released(net):
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00"), ("MUG-WHT", 1, "12.00")], external_id="W-NONE")
    lines = [
        ReturnLineInput(quantity=1, reason="doesnt_fit", sku="TEE-BLK-M", exchange_sku="TEE-BLK-L"),
        ReturnLineInput(quantity=1, reason="doesnt_fit", sku="MUG-WHT"),
    ]
    rma = return_request(order=order, lines=lines, source="staff")
    replacement = rma.exchange_order
    assert replacement is not None
    tee_line = rma.lines.get(sku=net.tee)
    mug_line = rma.lines.get(sku=net.mug)

    return_receive(rma=rma, location=net.warehouse, actor=None, quantities={tee_line.pk: 0, mug_line.pk: 1})

    replacement.refresh_from_db()
    assert replacement.status == OrderStatus.CANCELLED
    assert not replacement.shipments.exclude(status__in=["cancelled", "rejected"]).exists()
    assert StockLevel.objects.get(location=net.warehouse, sku=net.tee_large).reserved == 0
