"""Supplier inventory feeds set the supplier location's on hand through the ledger (kind supplier_feed, the
feed as the document): known rows apply, unknown ones are listed; routing and channel sync see it at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.errors import ValidationFailed
from inventory.models import MovementKind, StockChange, StockLevel, StockMovement
from inventory.services import ledger_verify
from orders.models import OrderStatus
from partners.documents import InventoryFeed, InventoryRow
from partners.models import DocumentStatus, Exchange, PartnerDocument
from partners.services import inventory_feed_apply
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.partners import dropship_network, dropship_shipment, po_of

pytestmark = pytest.mark.django_db

API = Exchange.API


@pytest.fixture
def net(db):
    return dropship_network(supplier_stock=0)


def feed(*rows: tuple[str, int] | tuple[str, int, str], **extra: Any) -> InventoryFeed:
    return InventoryFeed(rows=tuple(InventoryRow(*row) for row in rows), **extra)


def on_hand(location, sku) -> int:
    level = StockLevel.objects.filter(location=location, sku=sku).first()
    return level.on_hand if level else 0


def test_a_feed_sets_on_hand_through_the_ledger_and_lists_the_rows_it_could_not_use(net):
    stocked(net.supplier, net.mug, 9)
    StockChange.objects.all().delete()

    document = inventory_feed_apply(
        partner=net.partner,
        feed=feed(("TEE-BLK-M", 12), ("ACME-MUG", 4), ("NOPE-1", 3)),  # ours, the supplier's code, unknown
        via=API,
        raw="sku,qty\n...",
    )

    assert document.status == DocumentStatus.APPLIED
    assert "rows[2]: unknown SKU NOPE-1" in document.error
    assert document.parsed["result"]["left_out"] == ["rows[2]: unknown SKU NOPE-1"]
    assert (on_hand(net.supplier, net.tee), on_hand(net.supplier, net.mug)) == (12, 4)
    movements = StockMovement.objects.filter(kind=MovementKind.SUPPLIER_FEED).order_by("sku__code")
    assert [(m.sku.code, m.on_hand_delta, m.document_type, m.document_id) for m in movements] == [
        ("MUG-WHT", -5, "partner_document", str(document.pk)),
        ("TEE-BLK-M", 12, "partner_document", str(document.pk)),
    ]
    # The marketplace sync engine reads this feed: the change reaches the channels at once.
    assert set(StockChange.objects.values_list("location_id", "sku_id")) == {
        (net.supplier.pk, net.tee.pk),
        (net.supplier.pk, net.mug.pk),
    }
    assert ledger_verify() == []


def test_routing_sees_a_feed_at_once_and_a_backorder_goes_to_the_supplier(db, django_capture_on_commit_callbacks):
    net = dropship_network(supplier_stock=0, warehouse_stock=0)
    order = net.order([("TEE-BLK-M", 2)])
    assert order.status == OrderStatus.BACKORDERED

    with django_capture_on_commit_callbacks(execute=True):
        inventory_feed_apply(partner=net.partner, feed=feed(("TEE-BLK-M", 5)), via=API)

    order.refresh_from_db()
    assert order.status == OrderStatus.ROUTED
    assert dropship_shipment(po_of(order)).location == net.supplier
    assert StockLevel.objects.get(location=net.supplier, sku=net.tee).reserved == 2


def test_a_feed_below_what_open_orders_hold_keeps_those_units(net):
    stocked(net.supplier, net.tee, 5)
    net.order([("TEE-BLK-M", 3)])

    document = inventory_feed_apply(partner=net.partner, feed=feed(("TEE-BLK-M", 1)), via=API)

    level = StockLevel.objects.get(location=net.supplier, sku=net.tee)
    assert (level.on_hand, level.reserved) == (3, 3)
    assert "TEE-BLK-M: reported 1, but 3 are reserved for open orders; on hand kept at 3" in document.error
    assert ledger_verify() == []


@pytest.mark.parametrize(
    ("rows", "field"),
    [((("TEE-BLK-M", 5), ("MUG-WHT", -1)), "rows[1].quantity"), ((), "rows"), ((("NOPE", 1),), "rows")],
)
def test_a_malformed_or_useless_feed_is_refused_whole(net, rows, field):
    with pytest.raises(ValidationFailed) as refused:
        inventory_feed_apply(partner=net.partner, feed=feed(*rows), via=API, raw="raw body")

    assert refused.value.field == field
    stored = PartnerDocument.objects.get(pk=refused.value.details["document"])
    assert (stored.status, stored.raw) == (DocumentStatus.REJECTED, "raw body")
    assert not StockMovement.objects.filter(kind=MovementKind.SUPPLIER_FEED).exists()


def test_the_same_feed_twice_changes_nothing_and_an_older_one_is_ignored(net):
    monday = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    first = inventory_feed_apply(partner=net.partner, feed=feed(("TEE-BLK-M", 7), as_of=monday), via=API)
    stocked(net.supplier, net.tee, 1)  # something moved since: the repeat must not undo it

    again = inventory_feed_apply(partner=net.partner, feed=feed(("TEE-BLK-M", 7), as_of=monday), via=API)
    older = inventory_feed_apply(
        partner=net.partner, feed=feed(("TEE-BLK-M", 2), as_of=datetime(2026, 3, 1, tzinfo=UTC)), via=API
    )

    assert (again.pk, again.status) == (first.pk, DocumentStatus.DUPLICATE)
    assert older.status == DocumentStatus.DUPLICATE and "Older than the feed already applied" in older.error
    assert on_hand(net.supplier, net.tee) == 8
    assert StockMovement.objects.filter(kind=MovementKind.SUPPLIER_FEED).count() == 1


def test_a_partner_with_two_locations_names_the_warehouse(net):
    west: Any = LocationFactory(code="acme-west", kind="dropship_supplier", priority=5)
    net.partner.locations.add(west)
    hat = SKUFactory(code="HAT-RED")

    document = inventory_feed_apply(
        partner=net.partner,
        feed=feed(("TEE-BLK-M", 4, "acme-ds"), ("TEE-BLK-M", 6, "ACME-WEST"), ("HAT-RED", 1, "reno")),
        via=API,
    )

    assert (on_hand(net.supplier, net.tee), on_hand(west, net.tee)) == (4, 6)
    assert on_hand(west, hat) == 0
    assert "rows[2]: warehouse reno is none of acme-ds, acme-west" in document.error


def test_one_location_adds_up_warehouse_rows_unless_a_total_row_is_given(net):
    inventory_feed_apply(partner=net.partner, feed=feed(("TEE-BLK-M", 4, "NJ"), ("TEE-BLK-M", 6, "PA")), via=API)
    assert on_hand(net.supplier, net.tee) == 10

    inventory_feed_apply(
        partner=net.partner, feed=feed(("TEE-BLK-M", 4, "NJ"), ("TEE-BLK-M", 9), ("TEE-BLK-M", 6, "PA")), via=API
    )
    assert on_hand(net.supplier, net.tee) == 9
    assert ledger_verify() == []
