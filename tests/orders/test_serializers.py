"""The API's order answer: written out by hand for speed, it must say what its declared fields say."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers

from fulfillment.selectors.orders import order_queryset
from orders.serializers import OrderOutSerializer
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db


def _declared(order: Any) -> dict[str, Any]:
    """DRF's own rendering of the declared fields (what the OpenAPI schema documents)."""
    return serializers.Serializer.to_representation(OrderOutSerializer(order), order)


def test_the_answer_is_what_the_declared_fields_give(network):
    split = place_order(network["web"], [("TEE-BLK-M", 12), ("MUG-WHT", 3)], external_id="W-SPLIT")
    waiting = place_order(
        network["web"],
        [("MUG-WHT", 40)],
        external_id="W-WAIT",
        promised_delivery_date=timezone.localdate() + timedelta(days=9),
    )
    orders = list(order_queryset().filter(pk__in=[split.order.pk, waiting.order.pk]).order_by("pk"))

    assert len(orders[0].shipments.all()) == 2
    assert [line.quantity_backordered for line in orders[1].lines.all()] == [23]  # 17 mugs left after the split order
    for order in orders:
        answer = OrderOutSerializer(order).data
        assert answer == _declared(order)
        assert list(answer) == list(OrderOutSerializer().fields)
    listed = OrderOutSerializer(orders, many=True).data
    assert [dict(item) for item in listed] == [_declared(order) for order in orders]
