"""Order edits before pick: ship-to, lines, part cancelled; comments with @mentions and tags."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from channels.models import ChannelKind
from core.errors import Conflict, ValidationFailed
from fulfillment.models import ShipmentStatus
from fulfillment.services import picklist_create, shipment_accept
from fulfillment.services.order_edits import order_lines_edit, order_ship_to_edit, order_units_cancel
from inventory.models import StockLevel
from inventory.services import ledger_verify
from orders.models import OrderEventKind, OrderMention, OrderStatus
from orders.services.edits import ShipTo, mentioned_usernames, order_comment_add, order_tags_set, tags_parse
from tests.factories import UserFactory
from tests.factories.orders import ChannelFactory, place_order

pytestmark = pytest.mark.django_db


def reserved(location: Any, sku: Any) -> int:
    return StockLevel.objects.get(location=location, sku=sku).reserved


def open_locations(order: Any) -> set[str]:
    return set(order.shipments.filter(status=ShipmentStatus.REQUESTED).values_list("location__code", flat=True))


def to_new_york(web: Any, lines: list[tuple[str, int]]) -> Any:
    return place_order(web, lines, postal_code="10001", city="New York", region="NY", line1="1 Penn Plaza").order


# --- Ship-to --------------------------------------------------------------------------------


def test_a_new_ship_to_far_away_moves_the_order_and_says_why(network: dict[str, Any]) -> None:
    order = to_new_york(network["web"], [("TEE-BLK-M", 2)])
    assert open_locations(order) == {"nyc-dc"}

    outcome = order_ship_to_edit(
        order=order, ship_to=ShipTo(line1="1 Main St", city="Dallas", region="TX", postal_code="75201"), actor=None
    )

    assert open_locations(order) == {"dal-dc"}
    assert outcome.explanation().startswith("Moved from nyc-dc to dal-dc:")
    assert (reserved(network["newyork"], network["tee"]), reserved(network["dallas"], network["tee"])) == (0, 2)
    order.refresh_from_db()
    assert (order.ship_postal_code, order.ship_city, order.address_status) == ("75201", "Dallas", "")
    assert order.events.filter(message__startswith="Ship-to changed to 1 Main St, Dallas, TX 75201").exists()
    assert ledger_verify() == []


def test_a_flat_number_added_keeps_the_reservations(network: dict[str, Any]) -> None:
    order = to_new_york(network["web"], [("TEE-BLK-M", 1)])
    first = order.shipments.get()

    outcome = order_ship_to_edit(
        order=order,
        ship_to=ShipTo(line1="1 Penn Plaza", line2="Apt 4", postal_code="10001", city="New York"),
        actor=None,
    )

    assert outcome.routing is None
    assert order.shipments.get() == first
    first.refresh_from_db()
    assert first.status == ShipmentStatus.REQUESTED


def test_an_address_off_the_map_is_refused_on_its_field_and_nothing_changes(network: dict[str, Any]) -> None:
    order = to_new_york(network["web"], [("TEE-BLK-M", 1)])

    with pytest.raises(ValidationFailed) as refused:
        order_ship_to_edit(order=order, ship_to=ShipTo(line1="1 Nowhere", postal_code="00000"), actor=None)

    assert refused.value.field == "postal_code"
    assert "correct the address" in refused.value.message
    order.refresh_from_db()
    assert order.ship_postal_code == "10001"
    assert reserved(network["newyork"], network["tee"]) == 1


def test_edits_close_once_picking_starts(network: dict[str, Any]) -> None:
    order = to_new_york(network["web"], [("TEE-BLK-M", 1)])
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    picklist_create(location=network["newyork"], shipments=[shipment], actor=None)

    with pytest.raises(Conflict, match="edits close once picking starts"):
        order_lines_edit(order=order, actor=None, quantities={order.lines.get().pk: 3})


# --- Lines ----------------------------------------------------------------------------------


def test_more_units_and_a_new_line_are_reserved_again_and_the_totals_follow(network: dict[str, Any]) -> None:
    order = to_new_york(network["web"], [("TEE-BLK-M", 1)])
    tee_line = order.lines.get()

    outcome = order_lines_edit(order=order, actor=None, quantities={tee_line.pk: 3}, add=(network["mug"], 2))

    assert outcome.routing is not None
    assert (reserved(network["newyork"], network["tee"]), reserved(network["newyork"], network["mug"])) == (3, 2)
    order.refresh_from_db()
    assert order.subtotal == Decimal("16.00")  # the tees came free with the order; the mugs at their list price
    assert [(line.sku.code, line.quantity, line.quantity_allocated) for line in order.lines.all()] == [
        ("TEE-BLK-M", 3, 3),
        ("MUG-WHT", 2, 2),
    ]
    assert order.events.filter(message="Lines edited: TEE-BLK-M 1 → 3; added MUG-WHT x2.").exists()
    assert ledger_verify() == []


def test_a_removed_line_releases_its_stock_and_keeps_its_history(network: dict[str, Any]) -> None:
    order = to_new_york(network["web"], [("TEE-BLK-M", 1), ("MUG-WHT", 4)])
    mug_line = order.lines.get(sku=network["mug"])

    order_lines_edit(order=order, actor=None, remove=[mug_line.pk])

    mug_line.refresh_from_db()
    assert (mug_line.quantity_cancelled, mug_line.quantity_allocated) == (4, 0)
    assert (reserved(network["newyork"], network["mug"]), reserved(network["newyork"], network["tee"])) == (0, 1)
    assert ledger_verify() == []


def test_line_edits_that_make_no_sense_are_refused_with_what_to_do(network: dict[str, Any]) -> None:
    order = to_new_york(network["web"], [("TEE-BLK-M", 1)])
    line = order.lines.get()

    with pytest.raises(ValidationFailed, match="cancel SO-"):
        order_lines_edit(order=order, actor=None, remove=[line.pk])
    with pytest.raises(ValidationFailed, match="quantity must be between 1 and"):
        order_lines_edit(order=order, actor=None, quantities={line.pk: 0})
    with pytest.raises(ValidationFailed, match="already has TEE-BLK-M"):
        order_lines_edit(order=order, actor=None, add=(network["tee"], 1))
    assert reserved(network["newyork"], network["tee"]) == 1
    assert order.shipments.get().status == ShipmentStatus.REQUESTED


# --- Part cancelled -------------------------------------------------------------------------


def test_part_of_an_order_is_cancelled_with_its_reason_and_the_rest_still_ships(network: dict[str, Any]) -> None:
    order = to_new_york(network["web"], [("TEE-BLK-M", 3), ("MUG-WHT", 1)])
    tee_line = order.lines.get(sku=network["tee"])

    order_units_cancel(order=order, quantities={tee_line.pk: 2}, reason="customer wants one only", actor=None)

    tee_line.refresh_from_db()
    assert (tee_line.quantity_cancelled, tee_line.quantity_allocated) == (2, 1)
    assert reserved(network["newyork"], network["tee"]) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.ROUTED
    assert order.subtotal == Decimal("0.00")
    assert order.events.filter(
        kind=OrderEventKind.CANCELLED, message="Cancelled TEE-BLK-M x2: customer wants one only"
    ).exists()
    assert ledger_verify() == []


def test_cancelling_every_unit_cancels_the_order(network: dict[str, Any]) -> None:
    order = to_new_york(network["web"], [("TEE-BLK-M", 2)])

    order_units_cancel(order=order, quantities={order.lines.get().pk: 2}, reason="fraud", actor=None)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert reserved(network["newyork"], network["tee"]) == 0


def test_a_part_cancel_needs_a_reason_and_no_more_units_than_are_open(network: dict[str, Any]) -> None:
    order = to_new_york(network["web"], [("TEE-BLK-M", 2)])
    line = order.lines.get()

    with pytest.raises(ValidationFailed, match="Say why"):
        order_units_cancel(order=order, quantities={line.pk: 1}, reason=" ", actor=None)
    with pytest.raises(ValidationFailed, match="has 2 units left to cancel; 5 is not possible"):
        order_units_cancel(order=order, quantities={line.pk: 5}, reason="typo", actor=None)
    assert reserved(network["newyork"], network["tee"]) == 2


# --- Comments and tags ----------------------------------------------------------------------


def test_a_comment_mentions_the_people_it_names(network: dict[str, Any]) -> None:
    order = to_new_york(network["web"], [("TEE-BLK-M", 1)])
    ana: Any = UserFactory(username="ana")
    author: Any = UserFactory(username="bo")

    event = order_comment_add(
        order=order, text="@ana please call the customer (cc @nobody, bo@example.com)", actor=author
    )

    assert event.data == {"comment": True, "mentions": ["ana"]}
    assert list(OrderMention.objects.values_list("user__username", flat=True)) == ["ana"]
    assert mentioned_usernames("@ana.lee, @ana.lee and x@y.z") == ["ana.lee"]
    with pytest.raises(ValidationFailed, match="Write the comment"):
        order_comment_add(order=order, text="  ", actor=ana)


def test_tags_are_normalised_and_each_change_is_on_the_timeline(network: dict[str, Any]) -> None:
    order = to_new_york(network["web"], [("TEE-BLK-M", 1)])

    assert order_tags_set(order=order, tags=tags_parse("VIP, gift  wrap, vip"), actor=None) == ["gift wrap", "vip"]
    assert order_tags_set(order=order, tags=["vip", "rush"], actor=None) == ["rush", "vip"]

    messages = list(order.events.filter(message__startswith="Tags").values_list("message", flat=True))
    assert messages == ["Tags added rush; removed gift wrap.", "Tags added vip, gift wrap."]
    with pytest.raises(ValidationFailed, match="at most 10 tags"):
        order_tags_set(order=order, tags=[f"t{n}" for n in range(11)], actor=None)


def test_a_marketplace_order_part_cancelled_says_to_change_it_on_the_marketplace_too(network: dict[str, Any]) -> None:
    shopify: Any = ChannelFactory(code="shopify-us", name="Shopify US", kind=ChannelKind.SHOPIFY)
    order = place_order(shopify, [("TEE-BLK-M", 2)], postal_code="10001").order

    outcome = order_units_cancel(order=order, quantities={order.lines.get().pk: 1}, reason="one only", actor=None)

    note = "Shopify is not told of a part cancellation: change the order there too."
    assert outcome.explanation().endswith(note)
    assert order.events.filter(message=note).exists()
