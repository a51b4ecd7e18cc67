"""Written-out rows (`core.rows`): an order written in one statement is the row the ORM would have saved."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from core.rows import integer_array, records_json
from orders.models import Order, OrderLine
from orders.services.rows import order_rows_write
from tests.factories.inventory import SKUFactory
from tests.factories.orders import ChannelFactory

pytestmark = pytest.mark.django_db

# Text the driver used to quote per element: quotes, backslashes, braces and commas are what an
# array's or a JSON document's own syntax uses; non-ASCII and emoji test the encoding.
AWKWARD = 'O\'Brien "Ace" \\ {1,2} ; -- Zoë 🚚'


def _order(channel: Any, external_id: str) -> Order:
    return Order(
        channel=channel,
        external_id=external_id,
        placed_at=datetime(2026, 11, 30, 23, 59, 58, 123456, tzinfo=UTC),
        customer_name=AWKWARD,
        customer_email="ace@example.com",
        ship_line1=AWKWARD,
        ship_postal_code="10001",
        ship_latitude=Decimal("40.750742"),
        ship_longitude=Decimal("-73.996530"),
        promised_delivery_date=date(2026, 12, 4),
        subtotal=Decimal("1234567890.12"),
        shipping_total=Decimal("0.10"),
        address_suggestion={"line1": AWKWARD, "score": 0.5, "parts": [1, None, True]},
    )


def _row(model: type[Any], pk: int, leave_out: set[str]) -> dict[str, Any]:
    values = model.objects.filter(pk=pk).values().get()
    return {key: value for key, value in values.items() if key not in leave_out}


def test_written_out_order_matches_what_the_orm_saves() -> None:
    channel = ChannelFactory()
    sku: Any = SKUFactory()
    written = _order(channel, "W-1")
    lines = [OrderLine(line_number=n, sku=sku, quantity=n, unit_price=Decimal("19.99") * n) for n in (1, 2)]
    order_rows_write(written, lines)

    saved = _order(channel, "O-1")
    saved.save()
    OrderLine.objects.bulk_create(
        [OrderLine(order=saved, line_number=n, sku=sku, quantity=n, unit_price=Decimal("19.99") * n) for n in (1, 2)]
    )

    differ = {"id", "external_id", "created_at", "updated_at"}
    assert _row(Order, written.pk, differ) == _row(Order, saved.pk, differ)
    assert written.customer_name == AWKWARD
    # lines come back in the order given, each with its own id, tied to the new order
    assert [line.pk for line in lines] == sorted(line.pk for line in lines)
    stored = list(
        OrderLine.objects.filter(order=written).order_by("line_number").values("id", "quantity", "unit_price")
    )
    assert stored == [
        {"id": lines[0].pk, "quantity": 1, "unit_price": Decimal("19.99")},
        {"id": lines[1].pk, "quantity": 2, "unit_price": Decimal("39.98")},
    ]


def test_records_refuse_values_the_database_could_misread() -> None:
    with pytest.raises(TypeError, match="set has no JSON form"):
        records_json([{"tags": {"a"}}])
    with pytest.raises(ValueError, match="not JSON compliant"):
        records_json([{"score": float("nan")}])
    assert (
        records_json([{"day": date(2026, 12, 3), "price": Decimal("1.10")}])
        == '[{"day": "2026-12-03", "price": "1.10"}]'
    )


def test_integer_arrays_hold_integers_only() -> None:
    assert integer_array([3, 1, 2]) == "{3,1,2}"
    assert integer_array([]) == "{}"
    with pytest.raises(ValueError):
        integer_array(["1}'); DROP TABLE orders_order; --"])  # type: ignore[list-item]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::bigint[], cardinality(%s::bigint[])", [integer_array([5, 7]), integer_array([])])
        assert cursor.fetchone() == ([5, 7], 0)
