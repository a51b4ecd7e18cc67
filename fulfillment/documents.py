"""The packing slip: the letter-size sheet that travels in the box with the customer's goods.

`PackingSlip` is plain data, so the PDF can be drawn (and tested) without a database;
`slip_from_shipment` fills it from a shipment, its order and what was scanned into each box.
No prices: the slip is often read by a gift's recipient.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from carriers.connectors.base import PostalAddress
from carriers.documents.pdf import (
    BODY,
    BOLD,
    CELL,
    CELL_BOLD,
    FRAME_PADDING,
    HEADING,
    REGULAR,
    SMALL,
    NumberedCanvas,
    lines_para,
    para,
)
from carriers.documents.text import ascii_text, country_name, pdf_text
from core.errors import ValidationFailed
from fulfillment.models import Shipment
from fulfillment.scanning import ScanMatcher

MARGIN = 0.6 * inch
TITLE = ParagraphStyle("slip_title", parent=BODY, fontName=BOLD, fontSize=18, leading=22)
GIFT = ParagraphStyle("slip_gift", parent=BODY, fontName="Helvetica-Oblique", fontSize=11, leading=15)
RIGHT = ParagraphStyle("slip_right", parent=BODY, alignment=2)
RIGHT_TITLE = ParagraphStyle("slip_right_title", parent=TITLE, fontSize=15, alignment=2)


@dataclass(frozen=True)
class SlipLine:
    """One order line as the slip lists it: how many were ordered and how many are shipped here
    (in this shipment, or in this box for a slip of one box)."""

    sku: str
    name: str
    quantity_ordered: int
    quantity_in_box: int
    box: str = ""  # which box(es) of the shipment hold it: "1", "1, 2"; blank when not known


@dataclass(frozen=True)
class PackingSlip:
    """Everything printed on a packing slip."""

    merchant_name: str
    merchant_address: tuple[str, ...]  # printed lines
    order_number: str
    channel_name: str
    channel_order_id: str
    placed_at: datetime
    ship_to: PostalAddress
    lines: tuple[SlipLine, ...]
    shipment_number: str
    boxes: str  # "Box 1 of 2", or "2 boxes" for a slip covering the whole shipment
    return_instructions: str
    gift_message: str = ""


def _address_lines(address: PostalAddress) -> list[str]:
    lines = [address.name, address.company, address.street1, address.street2]
    lines.append(f"{address.city}, {address.state} {address.postal_code}".strip(" ,"))
    if address.country.upper() != "US":
        lines.append(country_name(address.country))
    return lines


def _page_furniture(slip: PackingSlip) -> Callable[[Any, Any], None]:
    """The thank-you footer on every page, and the order number atop continuation pages."""

    def draw(canvas: Any, doc: Any) -> None:
        width, height = LETTER
        canvas.saveState()
        canvas.setFont(BOLD, 11)
        canvas.drawCentredString(width / 2, 0.55 * inch, pdf_text(f"Thank you for shopping with {slip.merchant_name}!"))
        canvas.setFont(REGULAR, 8)
        canvas.setFillGray(0.35)
        canvas.drawString(MARGIN, 22, pdf_text(f"{slip.order_number}  /  {slip.shipment_number}"))
        if doc.page > 1:
            canvas.setFillGray(0)
            canvas.setFont(BOLD, 10)
            canvas.drawString(MARGIN, height - MARGIN + 8, pdf_text(f"Packing slip {slip.order_number} (continued)"))
        canvas.restoreState()

    return draw


def _header(slip: PackingSlip) -> Table:
    merchant = [para(slip.merchant_name, TITLE), lines_para(list(slip.merchant_address), SMALL)]
    title = [
        para("PACKING SLIP", RIGHT_TITLE),
        para(f"Order {slip.order_number}", RIGHT),
        para(f"Shipment {slip.shipment_number}", RIGHT),
        para(slip.boxes, RIGHT),
    ]
    table = Table([[merchant, title]], colWidths=[4.0 * inch, 3.3 * inch])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, -1), 1.2, "black"),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


def _addresses(slip: PackingSlip) -> Table:
    details = Table(
        [
            [para("Order", SMALL), para(slip.order_number, CELL_BOLD)],
            [para("Placed", SMALL), para(slip.placed_at.strftime("%d %B %Y"), CELL)],
            [para("Ordered on", SMALL), para(slip.channel_name, CELL)],
            [para("Shop order", SMALL), para(slip.channel_order_id, CELL)],
        ],
        colWidths=[0.9 * inch, 2.3 * inch],
    )
    details.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 1)]))
    ship_to = [para("Ship to", HEADING), lines_para(_address_lines(slip.ship_to))]
    table = Table([[ship_to, [para("Order details", HEADING), details]]], colWidths=[4.0 * inch, 3.3 * inch])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, -1), 0)]))
    return table


def _lines_table(slip: PackingSlip) -> Table:
    """One row per line; the header repeats on every page of a long order."""
    header = ["SKU", "Item", "Ordered", "Shipped", "Box"]
    rows: list[list[Any]] = [[para(cell, CELL_BOLD) for cell in header]]
    for line in slip.lines:
        rows.append(
            [
                para(line.sku, CELL_BOLD),
                para(line.name, CELL),
                para(str(line.quantity_ordered), CELL),
                para(str(line.quantity_in_box), CELL_BOLD),
                para(line.box, CELL),
            ]
        )
    table = Table(rows, colWidths=[w * inch for w in (1.5, 3.4, 0.8, 1.0, 0.6)], repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("LINEBELOW", (0, 0), (-1, 0), 1, "black"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, "#999999"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
    ]
    table.setStyle(TableStyle(style))
    return table


def packing_slip_pdf(slip: PackingSlip) -> bytes:
    """The packing slip as a letter-size PDF; long orders run onto more pages."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN - FRAME_PADDING,
        rightMargin=MARGIN - FRAME_PADDING,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 0.35 * inch,
        title=ascii_text(f"Packing slip {slip.order_number}"),
        author=pdf_text(slip.merchant_name),
        invariant=1,
        pageCompression=1,
    )
    story: list[Any] = [_header(slip), Spacer(1, 10), _addresses(slip), Spacer(1, 12)]
    if slip.gift_message.strip():
        gift = Table([[[para("A gift message for you", SMALL), para(slip.gift_message, GIFT)]]], colWidths=[7.3 * inch])
        gift.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, "black"), ("PADDING", (0, 0), (-1, -1), 8)]))
        story += [gift, Spacer(1, 12)]
    story.append(_lines_table(slip))
    if any(line.quantity_in_box < line.quantity_ordered for line in slip.lines):
        story += [
            Spacer(1, 4),
            para("Where fewer were shipped than you ordered, the rest ship separately.", SMALL),
        ]
    if slip.return_instructions.strip():
        story += [
            Spacer(1, 16),
            KeepTogether([para("Returns", HEADING), para(slip.return_instructions)]),
        ]
    furniture = _page_furniture(slip)
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture, canvasmaker=partial(NumberedCanvas, margin=MARGIN))
    return buffer.getvalue()


def _return_instructions(shipment: Shipment, merchant_name: str) -> str:
    """How to send something back: through the self-service returns page when the order has an email
    (the page finds an order by its number and that email)."""
    order = shipment.order
    if not order.customer_email:
        return (
            f"Something not right? Contact {merchant_name} with your order number ({order.number}) "
            "and we will arrange the return with you."
        )
    base = str(getattr(settings, "RETURNS_PUBLIC_BASE_URL", "") or "http://localhost:8000").rstrip("/")
    url = base + reverse("returns:customer_start")
    return (
        f"Something not right? Start a return at {url} with your order number ({order.number}) and the "
        "email address you ordered with, choose the items and tell us why. We will tell you how to send "
        "them back, and refund you once they arrive."
    )


def _box_contents(shipment: Shipment, skus: dict[int, Any]) -> dict[int, Counter[int]]:
    """Units per SKU id in each box (by box number), from the codes scanned into it."""
    matcher: ScanMatcher[int] = ScanMatcher((sku, sku.pk) for sku in sorted(skus.values(), key=lambda s: s.code))
    return {
        package.box_number: Counter(sku_id for _, sku_id in matcher.partition(package.scanned or []).matched)
        for package in shipment.packages.order_by("box_number")
    }


def slip_from_shipment(shipment: Shipment, *, box_number: int | None = None) -> PackingSlip:
    """The packing slip of a shipment: all of it, or only what is in box `box_number`.

    Which box holds a line comes from what was scanned into each box at packing; before
    packing the box column is blank.
    """
    order = shipment.order
    lines = list(shipment.lines.select_related("sku", "order_line").order_by("order_line__line_number", "pk"))
    contents = _box_contents(shipment, {line.sku_id: line.sku for line in lines})
    if box_number is not None and box_number not in contents:
        raise ValidationFailed(f"{shipment.number} has no box {box_number}.", field="box_number")
    slip_lines = []
    for line in lines:
        # Units of one SKU on two lines are told apart by taking each line's units from the boxes in order.
        taken: dict[int, int] = {}
        wanted = line.quantity
        for number, counts in sorted(contents.items()):
            units = min(wanted, counts[line.sku_id])
            if units:
                taken[number] = units
                counts[line.sku_id] -= units
                wanted -= units
        if box_number is None:
            quantity, boxes = line.quantity, ", ".join(str(number) for number in sorted(taken))
        elif taken.get(box_number):
            quantity, boxes = taken[box_number], str(box_number)
        else:
            continue
        slip_lines.append(SlipLine(line.sku.code, line.sku.name, line.order_line.quantity, quantity, boxes))
    if box_number is not None:
        boxes_text = f"Box {box_number} of {len(contents)}"
    else:
        boxes_text = f"{len(contents)} boxes" if len(contents) > 1 else "Box 1 of 1"
    merchant_name = str(settings.MERCHANT_NAME)
    return PackingSlip(
        merchant_name=merchant_name,
        merchant_address=tuple(part.strip() for part in str(settings.MERCHANT_ADDRESS).split("|") if part.strip()),
        order_number=order.number,
        channel_name=order.channel.name,
        channel_order_id=order.external_id,
        # The day the customer placed it, where the parcel leaves from (not UTC, which may be tomorrow).
        placed_at=order.placed_at.astimezone(ZoneInfo(shipment.location.timezone)),
        ship_to=PostalAddress(
            name=order.customer_name,
            street1=order.ship_line1,
            street2=order.ship_line2,
            city=order.ship_city,
            state=order.ship_region,
            postal_code=order.ship_postal_code,
            country=order.ship_country or "US",
        ),
        lines=tuple(slip_lines),
        shipment_number=shipment.number,
        boxes=boxes_text,
        return_instructions=_return_instructions(shipment, merchant_name),
    )
