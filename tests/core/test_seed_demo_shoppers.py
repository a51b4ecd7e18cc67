"""The demo's live shoppers (beat's sandbox orders): real names, cities that are their ZIP code's, catalog prices."""

from __future__ import annotations

import random

import pytest
import zipcodes

from marketplaces.sandbox.demo import demo_orders_generate
from marketplaces.services.orders import orders_poll
from orders.models import Order, OrderLine
from tests.factories.channels import sandbox_channel
from tests.factories.returns import return_network

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.MARKETPLACE_SANDBOX = True
    settings.CHANNELS_RATE_LIMIT_REDIS_URL = ""


@pytest.mark.parametrize("kind", ["shopify", "amazon", "ebay", "woocommerce"])
def test_a_shoppers_order_has_a_real_name_its_zips_city_and_the_catalogs_price(kind):
    net = return_network(stock=50)
    channel, _sandbox = sandbox_channel(kind, skus=[net.tee, net.mug], stock=40)

    placed = demo_orders_generate(per_channel=3, rng=random.Random(42))
    orders_poll(channel_id=channel.pk)  # Amazon and eBay orders arrive by polling; webhooks brought the others

    orders = list(Order.objects.filter(channel=channel))
    assert placed == 3 and len(orders) == 3
    for order in orders:
        found = zipcodes.matching(order.ship_postal_code[:5])[0]
        assert (order.ship_city.lower(), order.ship_region) == (found["city"].lower(), found["state"])
        assert "Sandbox" not in order.customer_name and "Merchant" not in order.customer_name
        assert order.customer_name not in ("Pat Buyer", "John Doe", "Bob Norman")
    prices = {line.sku.code: (line.unit_price, line.sku.price) for line in OrderLine.objects.filter(order__in=orders)}
    assert prices and all(paid == catalog for paid, catalog in prices.values())
