"""Refunds reach the marketplace through the channel's own connector by default; web and POS refund by hand."""

from __future__ import annotations

import pytest

from marketplaces.services.orders import orders_poll
from orders.models import Order
from returns.channel_refunds import channel_refund_connector
from returns.models import RefundStatus, ReturnSource, ReturnStatus
from returns.services import (
    ReturnLineInput,
    UnitInspection,
    refund_connector_for,
    refund_dispatch,
    return_inspect,
    return_receive,
    return_request,
)
from tests.factories.channels import sandbox_channel
from tests.factories.returns import ship_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.MARKETPLACE_SANDBOX = True
    settings.CHANNELS_RATE_LIMIT_REDIS_URL = ""


def test_the_default_connector_refunds_a_marketplace_order_on_the_marketplace_once(net, settings):
    assert settings.RETURNS_REFUND_CONNECTOR == "returns.channel_refunds.channel_refund_connector"
    channel, sandbox = sandbox_channel("ebay", skus=[net.tee], stock=10)
    sandbox.create_order([(net.tee.code, 2)], zip="75201")
    orders_poll(channel_id=channel.pk)
    order = ship_order(Order.objects.get(channel=channel))
    rma = return_request(
        order=order, lines=[ReturnLineInput(1, "doesnt_fit", sku=net.tee.code)], source=ReturnSource.API
    )
    assert rma.return_location is not None
    return_receive(rma=rma, location=rma.return_location, actor=None)
    refund = return_inspect(
        rma=rma, inspections=[UnitInspection(rma.units.get().pk, "new", "restock")], actor=None
    ).refund
    assert refund is not None

    sent = refund_dispatch(refund_id=refund.pk)
    refund_dispatch(refund_id=refund.pk)  # a retried task changes nothing

    assert sent.status == RefundStatus.EXECUTED and sent.channel_reference
    assert [r["orderLevelRefundAmount"]["value"] for r in sandbox.refunds] == [str(refund.amount)]
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.REFUNDED


def test_an_amazon_refund_is_not_retried_and_says_where_to_refund_it(net):
    channel, sandbox = sandbox_channel("amazon", skus=[net.tee], stock=10)
    sandbox.create_order([(net.tee.code, 1)])
    orders_poll(channel_id=channel.pk)
    order = ship_order(Order.objects.get(channel=channel))
    rma = return_request(
        order=order, lines=[ReturnLineInput(1, "doesnt_fit", sku=net.tee.code)], source=ReturnSource.API
    )
    assert rma.return_location is not None
    return_receive(rma=rma, location=rma.return_location, actor=None)
    refund = return_inspect(
        rma=rma, inspections=[UnitInspection(rma.units.get().pk, "new", "restock")], actor=None
    ).refund
    assert refund is not None

    failed = refund_dispatch(refund_id=refund.pk)

    assert failed.status == RefundStatus.FAILED
    assert "Seller Central" in failed.last_error


def test_a_channel_without_a_marketplace_connector_is_refunded_by_hand(net):
    assert net.channel.kind == "web"
    assert channel_refund_connector(net.channel) is None
    assert refund_connector_for(net.channel) is None


def test_a_marketplace_channel_without_a_connection_is_refunded_by_hand(net):
    from channels.models import Channel

    shop = Channel.objects.create(code="shop-x", name="Unconnected shop", kind="shopify")
    assert channel_refund_connector(shop) is None
