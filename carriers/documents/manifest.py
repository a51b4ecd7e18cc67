"""The end-of-day manifest (the "scan form"): one letter-size sheet the driver scans and signs,
listing every parcel handed over so the carrier accepts them all with one scan.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from reportlab.graphics.barcode.code128 import Code128
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
from carriers.documents.text import ascii_text, day_text, pdf_text, weight_text

MARGIN = 0.5 * inch
# The number under the barcode, centred on the bars (their quiet zones are equal) for a clerk to key in.
MONO = ParagraphStyle("manifest_number", fontName="Courier-Bold", fontSize=10, leading=12, leftIndent=18)
HEADER_HEIGHT = 0.9 * inch


@dataclass(frozen=True)
class ManifestParcel:
    """One parcel on the manifest."""

    tracking_number: str
    service: str
    reference: str
    weight_grams: int
    ship_to_city: str


@dataclass(frozen=True)
class ManifestContent:
    """Everything printed on an end-of-day manifest for one carrier account at one location."""

    number: str
    account_name: str
    provider: str
    location_name: str
    location_address: PostalAddress
    day: date
    parcels: tuple[ManifestParcel, ...]

    @property
    def total_grams(self) -> int:
        """The combined weight of every parcel."""
        return sum(parcel.weight_grams for parcel in self.parcels)


def _page_header(content: ManifestContent) -> Callable[[Any, Any], None]:
    """What every page carries at its top, so a loose page is still traceable to its manifest."""

    def draw(canvas: Any, _doc: Any) -> None:
        width, height = LETTER
        top = height - MARGIN
        canvas.saveState()
        canvas.setFont(BOLD, 15)
        canvas.drawString(MARGIN, top - 14, "END OF DAY MANIFEST")
        canvas.setFont(REGULAR, 9)
        canvas.drawString(MARGIN, top - 28, pdf_text(f"{content.provider.upper()}  |  Account: {content.account_name}"))
        canvas.drawString(
            MARGIN, top - 40, pdf_text(f"{content.location_name}  |  {content.day.strftime('%A %d %B %Y')}")
        )
        canvas.setFont(BOLD, 11)
        canvas.drawRightString(width - MARGIN, top - 14, pdf_text(f"No. {content.number}"))
        canvas.setFont(REGULAR, 9)
        canvas.drawRightString(width - MARGIN, top - 28, f"{len(content.parcels)} parcels")
        canvas.setLineWidth(1.2)
        canvas.line(MARGIN, top - HEADER_HEIGHT + 12, width - MARGIN, top - HEADER_HEIGHT + 12)
        canvas.restoreState()

    return draw


def _summary(content: ManifestContent) -> Table:
    """The first page's top: the address, the totals, and the barcode the driver scans."""
    address = content.location_address
    shipper = lines_para(
        [
            content.location_name,
            address.company,
            address.street1,
            address.street2,
            f"{address.city}, {address.state} {address.postal_code}",
            "" if address.country.upper() == "US" else address.country,
            address.phone,
        ]
    )
    totals = Table(
        [
            [para("Parcels", SMALL), para("Total weight", SMALL), para("Date", SMALL)],
            [
                para(str(len(content.parcels)), HEADING),
                para(weight_text(content.total_grams), HEADING),
                para(day_text(content.day), HEADING),
            ],
        ],
        colWidths=[0.8 * inch, 2.0 * inch, 1.2 * inch],
    )
    barcode = Code128(ascii_text(content.number), barHeight=0.55 * inch, barWidth=1.2, humanReadable=0)
    table = Table(
        [
            [
                [para("Shipper", SMALL), shipper],
                [totals, Spacer(1, 6), barcode, Spacer(1, 3), para(f"Manifest {content.number}", MONO)],
            ]
        ],
        colWidths=[3.3 * inch, 4.2 * inch],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _parcel_table(content: ManifestContent) -> Table:
    """One row per parcel; the header row repeats on every page."""
    header = ["#", "Tracking number", "Service", "Reference", "Ship to", "Weight"]
    rows: list[list[Any]] = [[para(cell, CELL_BOLD) for cell in header]]
    for number, parcel in enumerate(content.parcels, start=1):
        rows.append(
            [
                para(str(number), CELL),
                para(parcel.tracking_number, CELL_BOLD),
                para(parcel.service, CELL),
                para(parcel.reference, CELL),
                para(parcel.ship_to_city, CELL),
                para(weight_text(parcel.weight_grams), CELL),
            ]
        )
    rows.append(
        [
            "",
            para(f"Total: {len(content.parcels)} parcels", CELL_BOLD),
            "",
            "",
            "",
            para(weight_text(content.total_grams), CELL_BOLD),
        ]
    )
    widths = [0.4, 1.75, 1.35, 1.3, 1.2, 1.5]
    table = Table(rows, colWidths=[w * inch for w in widths], repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("LINEBELOW", (0, 0), (-1, 0), 1, "black"),
        ("LINEABOVE", (0, -1), (-1, -1), 1, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    # Light stripes keep the eye on one row when a driver reads a number across the page.
    style += [("BACKGROUND", (0, row), (-1, row), "#eeeeee") for row in range(2, len(rows) - 1, 2)]
    table.setStyle(TableStyle(style))
    return table


def _signatures() -> Table:
    """Where the driver signs for the parcels (the carrier's proof of acceptance)."""
    line = "_" * 38
    cells = [
        [para("Driver signature", SMALL), para("Pickup date and time", SMALL)],
        [para(line, BODY), para(line, BODY)],
        [para("Driver name (print)", SMALL), para("Parcels received", SMALL)],
        [para(line, BODY), para(line, BODY)],
    ]
    table = Table(cells, colWidths=[3.75 * inch, 3.75 * inch])
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 1), (-1, 1), 12)]))
    return table


def manifest_pdf(content: ManifestContent) -> bytes:
    """The manifest as a letter-size PDF, as many pages as the parcels need; deterministic."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN - FRAME_PADDING,
        rightMargin=MARGIN - FRAME_PADDING,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN + 6,
        title=ascii_text(f"Manifest {content.number}"),
        author=pdf_text(content.account_name),
        invariant=1,
        pageCompression=1,
    )
    header = _page_header(content)
    story: list[Any] = [
        _summary(content),
        Spacer(1, 10),
        _parcel_table(content),
        Spacer(1, 18),
        KeepTogether(
            [
                para(
                    "Received the parcels listed above in apparent good order. "
                    "Scanning this form's barcode accepts every parcel on it.",
                    SMALL,
                ),
                Spacer(1, 14),
                _signatures(),
            ]
        ),
    ]
    doc.build(story, onFirstPage=header, onLaterPages=header, canvasmaker=partial(NumberedCanvas, margin=MARGIN))
    return buffer.getvalue()
