"""The order book on its own: `order_create` checks and inserts an order without routing it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.forms.models import model_to_dict

from core.errors import DomainError
from inventory.models import SKU
from orders.models import Order, OrderStatus
from orders.services import LineInput, OrderInput, order_create, order_find, order_input_check
from orders.services.create import skus_by_code
from tests.factories import SKUFactory
from tests.factories.orders import ChannelFactory


def order_input(*lines: LineInput, **extra) -> OrderInput:
    return OrderInput(
        external_id=extra.pop("external_id", "SHOP-1"),
        customer_name=extra.pop("customer_name", "Ada Lovelace"),
        lines=lines,
        postal_code=extra.pop("postal_code", "10001"),
        **extra,
    )


@pytest.fixture
def shop(db):
    return ChannelFactory(code="shop", name="Shop")


def test_an_order_is_inserted_with_its_lines_and_totals_and_nothing_routed(shop, sku):
    data = order_input(LineInput(sku.code, 2, Decimal("12.50")), shipping_total=Decimal("4.00"))

    with transaction.atomic():
        created = order_create(channel=shop, data=data, actor=None, actor_label="test")

    order = Order.objects.get(pk=created.order.pk)
    assert (order.status, order.subtotal, order.grand_total) == (OrderStatus.NEW, Decimal("25.00"), Decimal("29.00"))
    assert [(line.sku.code, line.quantity) for line in order.lines.all()] == [(sku.code, 2)]
    assert not order.shipments.exists()  # routing is intake's job, not the order book's
    assert created.created_event.pk is None  # handed back unsaved: intake writes it with the routing's events
    assert order_find(channel=shop, external_id="SHOP-1") == order


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (lambda sku: order_input(LineInput("NO-SUCH-SKU", 1)), "lines[0].sku"),
        (lambda sku: order_input(LineInput(sku.code, 0)), "lines[0].quantity"),
        (lambda sku: order_input(LineInput(sku.code, 1), postal_code="00000"), "shipping_address.postal_code"),
    ],
)
def test_bad_input_names_its_field_and_writes_nothing(shop, sku, data, field):
    with pytest.raises(DomainError) as refused, transaction.atomic():
        order_create(channel=shop, data=data(sku))

    assert refused.value.field == field
    assert not Order.objects.exists()


def test_a_disabled_channel_or_a_missing_name_is_refused_before_anything_is_read(shop, sku):
    shop.is_active = False
    with pytest.raises(DomainError) as refused:
        order_input_check(channel=shop, data=order_input(LineInput(sku.code, 1)))
    assert refused.value.field == "channel"

    shop.is_active = True
    with pytest.raises(DomainError) as refused:
        order_input_check(channel=shop, data=order_input(LineInput(sku.code, 1), customer_name="  "))
    assert refused.value.field == "customer.name"


def test_the_lines_skus_are_read_as_the_orm_reads_them_and_unknown_codes_are_absent(db):
    tee: SKU = SKUFactory(code="TEE-1", price=Decimal("12.50"), length_mm=300, is_active=False)  # type: ignore[assignment]
    mug: SKU = SKUFactory(code="MUG-1")  # type: ignore[assignment]

    found = skus_by_code({"TEE-1", "MUG-1", "NOPE"})

    assert sorted(found) == ["MUG-1", "TEE-1"]
    for code, sku in ((tee.code, tee), (mug.code, mug)):
        assert model_to_dict(found[code]) == model_to_dict(SKU.objects.get(pk=sku.pk))
        assert found[code]._state.adding is False  # a saved row: saving it again updates, never inserts
    assert found["TEE-1"].price == Decimal("12.50") and found["TEE-1"].is_active is False
