"""The packing slip: what the customer finds in the box, drawn from plain data or from a packed shipment."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from carriers.connectors.base import PostalAddress
from core.errors import ValidationFailed
from fulfillment.documents import PackingSlip, SlipLine, packing_slip_pdf, slip_from_shipment
from fulfillment.models import Package, Shipment
from fulfillment.services.intake import order_import
from orders.services import LineInput, OrderInput
from tests.carriers.test_documents import page_count, page_texts
from tests.factories.returns import return_network

SLIP = PackingSlip(
    merchant_name="Northwind Goods",
    merchant_address=("100 Harbor Way", "Oakland, CA 94607"),
    order_number="SO-000042",
    channel_name="Web shop",
    channel_order_id="W-1001",
    placed_at=datetime(2026, 3, 1, 15, 30, tzinfo=UTC),
    ship_to=PostalAddress(name="Ada Lovelace", street1="1 Main St", city="New York", state="NY", postal_code="10001"),
    lines=(
        SlipLine("TEE-BLK-M", "Black tee, M", 2, 2, "1"),
        SlipLine("MUG-WHT", "White mug <large> & heavy", 3, 1, "2"),
    ),
    shipment_number="SH-000007",
    boxes="2 boxes",
    return_instructions="Start a return at https://shop.example.com/returns/self/ with your order number.",
    gift_message="Happy birthday, Ada! With love, Charles",
)


def test_packing_slip_is_a_letter_page_with_the_order_the_lines_the_gift_message_and_how_to_return():
    pdf = packing_slip_pdf(SLIP)

    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) == 1
    assert b"/MediaBox [ 0 0 612 792 ]" in pdf
    (text,) = page_texts(pdf)
    for expected in (
        "Northwind Goods",
        "PACKING SLIP",
        "Order SO-000042",
        "Shipment SH-000007",
        "2 boxes",
        "Ada Lovelace",
        "New York, NY 10001",
        "W-1001",
        "01 March 2026",
        "TEE-BLK-M",
        "MUG-WHT",
        "White mug <large> & heavy",
        "Happy birthday, Ada! With love, Charles",
        "Thank you for shopping with Northwind Goods!",
    ):
        assert expected in text
    assert "https://shop.example.com/returns/self/" in text
    # One mug of three is shipped: the slip says the rest follow.
    assert "the rest ship separately" in text


def test_packing_slip_without_a_gift_message_prints_no_gift_box():
    (text,) = page_texts(packing_slip_pdf(replace(SLIP, gift_message="")))

    assert "gift message" not in text


def test_a_long_order_runs_onto_more_pages_each_with_the_table_header_and_the_thank_you():
    lines = tuple(SlipLine(f"SKU-{n:04d}", f"Item number {n}", 1, 1, "1") for n in range(1, 91))
    pdf = packing_slip_pdf(replace(SLIP, lines=lines))
    pages = page_texts(pdf)

    assert page_count(pdf) == len(pages) >= 3
    every = "\n".join(pages)
    assert all(f"SKU-{n:04d}" in every for n in range(1, 91))
    for number, text in enumerate(pages, start=1):
        assert "Shipped" in text
        assert "Thank you for shopping with Northwind Goods!" in text
        assert f"Page {number} of {len(pages)}" in text
    assert "Packing slip SO-000042 (continued)" in pages[1]
    assert "Returns" in pages[-1]


@pytest.fixture
def packed(db):
    """A Dallas shipment of four lines packed into two boxes (scanned by barcode and by SKU code)."""
    net = return_network()
    order = order_import(
        channel=net.channel,
        data=OrderInput(
            external_id="W-2001",
            customer_name="Grace Hopper",
            customer_email="grace@example.com",
            line1="1 Main St",
            postal_code="10001",
            lines=(
                LineInput("TEE-BLK-M", 2, Decimal("20.00")),
                LineInput("MUG-WHT", 1, Decimal("12.00")),
                LineInput("TEE-BLK-L", 1, Decimal("20.00")),
            ),
        ),
    ).order
    shipment = Shipment.objects.get(order=order)
    now = timezone.now()
    Package.objects.create(
        shipment=shipment,
        box_number=1,
        weight_grams=1100,
        packed_at=now,
        scanned=[net.tee.barcode, "tee-blk-m", net.mug.code],
    )
    Package.objects.create(
        shipment=shipment, box_number=2, weight_grams=400, packed_at=now, scanned=[net.tee_large.barcode]
    )
    return shipment


def test_slip_from_a_packed_shipment_lists_every_line_with_the_box_it_is_in(packed, settings):
    settings.MERCHANT_NAME = "Northwind Goods"
    settings.MERCHANT_ADDRESS = "100 Harbor Way|Oakland, CA 94607"
    settings.RETURNS_PUBLIC_BASE_URL = "https://shop.example.com/"

    slip = slip_from_shipment(packed)

    assert slip.merchant_name == "Northwind Goods"
    assert slip.merchant_address == ("100 Harbor Way", "Oakland, CA 94607")
    assert slip.order_number == packed.order.number
    assert slip.channel_name == "Web shop"
    assert slip.channel_order_id == "W-2001"
    assert slip.shipment_number == packed.number
    assert slip.boxes == "2 boxes"
    assert slip.ship_to.name == "Grace Hopper"
    assert [(line.sku, line.quantity_ordered, line.quantity_in_box, line.box) for line in slip.lines] == [
        ("TEE-BLK-M", 2, 2, "1"),
        ("MUG-WHT", 1, 1, "1"),
        ("TEE-BLK-L", 1, 1, "2"),
    ]
    assert "https://shop.example.com/returns/self/" in slip.return_instructions
    assert packed.order.number in slip.return_instructions

    (text,) = page_texts(packing_slip_pdf(slip))
    for sku in ("TEE-BLK-M", "MUG-WHT", "TEE-BLK-L"):
        assert sku in text
    assert "Black tee, L" in text


def test_slip_for_one_box_lists_only_what_is_in_it(packed):
    slip = slip_from_shipment(packed, box_number=2)

    assert slip.boxes == "Box 2 of 2"
    assert [(line.sku, line.quantity_in_box, line.box) for line in slip.lines] == [("TEE-BLK-L", 1, "2")]
    with pytest.raises(ValidationFailed):
        slip_from_shipment(packed, box_number=3)
