"""The 4x6 inch shipping label, as a PDF (office printers, the screen) and as ZPL II (thermal printers).

Both come from one layout, measured in PDF points from the top-left corner, so the two files
show the same label: the PDF renderer flips the y axis, the ZPL renderer scales to the
printer's 203 dots per inch. Texts are fitted once, with Helvetica's metrics (the printer's
font 0 is narrower, so whatever fits the PDF fits the thermal label too).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from carriers.connectors.base import PostalAddress
from carriers.documents.text import (
    ascii_text,
    country_name,
    day_text,
    pdf_text,
    spaced_tracking,
    weight_text,
    zpl_field,
)

PAGE_WIDTH = 288.0  # 4 inches in points
PAGE_HEIGHT = 432.0  # 6 inches
MARGIN = 10.0
DOTS_PER_INCH = 203
DOTS_PER_POINT = DOTS_PER_INCH / 72
REGULAR = "Helvetica"
BOLD = "Helvetica-Bold"
# The widest a barcode may be, leaving the quiet zones scanners need on both sides.
BARCODE_MAX_WIDTH = PAGE_WIDTH - 2 * MARGIN - 8


@dataclass(frozen=True)
class LabelContent:
    """Everything printed on one box's shipping label, in the product's own terms."""

    carrier: str
    service: str
    tracking_number: str
    ship_from: PostalAddress
    ship_to: PostalAddress
    weight_grams: int
    reference: str
    box: str = "1 of 1"
    created: date | None = None
    is_return: bool = False


@dataclass(frozen=True)
class _Text:
    x: float
    top: float
    width: float
    text: str
    size: float
    bold: bool = True
    align: str = "left"  # "left", "center" or "right" within `width`
    reverse: bool = False  # white on a black band


@dataclass(frozen=True)
class _Box:
    x: float
    top: float
    width: float
    height: float
    thickness: float = 0.0  # 0: filled solid


@dataclass(frozen=True)
class _Barcode:
    top: float
    height: float
    value: str
    module_dots: int  # narrowest bar, in printer dots


_Element = _Text | _Box | _Barcode


def _fit(text: str, size: float, width: float, bold: bool, min_size: float = 6.0) -> tuple[str, float]:
    """`text` at the largest size down to `min_size` that fits `width`; cut short when even that is too wide."""
    font = BOLD if bold else REGULAR
    while size > min_size and stringWidth(text, font, size) > width:
        size -= 0.5
    while text and stringWidth(text, font, size) > width:
        text = text[:-1]
    return text.rstrip(), size


def _text(
    x: float,
    top: float,
    width: float,
    text: str,
    size: float,
    *,
    bold: bool = True,
    align: str = "left",
    reverse: bool = False,
) -> _Text:
    """A text element, fitted to its width."""
    fitted, fitted_size = _fit(text, size, width, bold)
    return _Text(x, top, width, fitted, fitted_size, bold, align, reverse)


def _module_dots(value: str) -> int:
    """The widest bar module (in dots) at which the barcode still fits the label, between 1 and 4."""
    modules = Code128(value, barWidth=1, quiet=0).width
    return max(1, min(4, int(BARCODE_MAX_WIDTH * DOTS_PER_POINT // modules)))


def _address_lines(address: PostalAddress, international: bool) -> list[tuple[str, bool]]:
    """The address as printed, line by line, each with whether it is one the sorters read first
    (the name, the city line, the country abroad)."""
    city_line = f"{address.city}, {address.state} {address.postal_code}".strip(" ,")
    lines = [(address.name, True), (address.company, False), (address.street1, False), (address.street2, False)]
    lines.append((city_line, True))
    if international:
        lines.append((country_name(address.country), True))
    return [(line, key) for line, key in lines if line.strip()]


def _layout(content: LabelContent, clean: Callable[[str], str]) -> list[_Element]:
    """The label's elements, top to bottom, with every text passed through `clean` first."""
    international = content.ship_to.country.upper() != content.ship_from.country.upper()
    els: list[_Element] = []

    # Sender, top left; date and weight in a box top right.
    els.append(_text(MARGIN, 8, 60, "FROM:", 6.5))
    for i, (line, _key) in enumerate(_address_lines(content.ship_from, international)[:6]):
        els.append(_text(MARGIN, 17 + 9 * i, 176, clean(line), 7.5, bold=False))
    els.append(_Box(192, 6, PAGE_WIDTH - 192 - 6, 66, thickness=1))
    right_x, right_w = 196.0, PAGE_WIDTH - 196 - 10
    if content.created is not None:
        els.append(_text(right_x, 11, right_w, "SHIP DATE", 6, align="center"))
        els.append(_text(right_x, 19, right_w, day_text(content.created), 9, align="center"))
    weight_top = 40.0 if content.created is not None else 26.0  # centred in the box when it is alone
    els.append(_text(right_x, weight_top, right_w, "WEIGHT", 6, align="center"))
    els.append(_text(right_x, weight_top + 8, right_w, weight_text(content.weight_grams), 9, align="center"))
    els.append(_Box(0, 78, PAGE_WIDTH, 1.5))

    ship_to_top = 84.0
    if content.is_return:
        els.append(_Box(0, 82, PAGE_WIDTH, 26))
        els.append(_text(MARGIN, 86, PAGE_WIDTH - 2 * MARGIN, "RETURN", 17, align="center", reverse=True))
        ship_to_top = 114.0

    # Recipient: the biggest block, the name and city line in bold for the sorter's eye.
    els.append(_text(MARGIN, ship_to_top + 2, 60, "SHIP TO:", 8))
    top = ship_to_top + 14
    for line, bold in _address_lines(content.ship_to, international)[:6]:
        size = 14.0 if bold else 12.5
        els.append(_text(MARGIN + 16, top, PAGE_WIDTH - 2 * MARGIN - 16, clean(line), size, bold=bold))
        top += size + 3.5
    els.append(_Box(0, 232, PAGE_WIDTH, 2.5))

    # Carrier and service band.
    els.append(_Box(0, 236, PAGE_WIDTH, 34))
    carrier = _text(MARGIN, 244, 150, clean(content.carrier.upper()), 19, reverse=True)
    els.append(carrier)
    # The service takes whatever the carrier's name leaves of the band.
    service_x = MARGIN + stringWidth(carrier.text, BOLD, carrier.size) + 14
    service = clean(content.service.upper())
    els.append(_text(service_x, 247, PAGE_WIDTH - MARGIN - service_x, service, 12, align="right", reverse=True))

    # Tracking barcode and the number spelt out for humans.
    tracking = ascii_text(content.tracking_number).replace(" ", "")
    els.append(_text(MARGIN, 277, 200, clean(f"{content.carrier.upper()} TRACKING #"), 7))
    els.append(_Barcode(288, 70, tracking, _module_dots(tracking)))
    els.append(_text(MARGIN, 363, PAGE_WIDTH - 2 * MARGIN, spaced_tracking(tracking), 13, align="center"))
    els.append(_Box(0, 384, PAGE_WIDTH, 1.5))

    # Order reference (what the packer wrote on the slip) and which box of the shipment this is.
    els.append(_text(MARGIN, 391, 60, "REF", 6.5))
    els.append(_text(MARGIN, 401, 180, clean(content.reference), 11))
    els.append(_text(200, 391, PAGE_WIDTH - 200 - MARGIN, "BOX", 6.5, align="right"))
    els.append(_text(200, 399, PAGE_WIDTH - 200 - MARGIN, clean(content.box.upper()), 16, align="right"))
    return els


def label_pdf(content: LabelContent) -> bytes:
    """The label as a one-page 4x6 inch PDF; the same content always gives the same bytes."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, pageCompression=1)
    canvas.setTitle(f"Label {ascii_text(content.tracking_number)}")
    canvas.setAuthor(pdf_text(content.ship_from.company or content.ship_from.name))
    for element in _layout(content, pdf_text):
        if isinstance(element, _Box):
            y = PAGE_HEIGHT - element.top - element.height
            if element.thickness:
                canvas.setLineWidth(element.thickness)
                canvas.rect(element.x, y, element.width, element.height, stroke=1, fill=0)
            else:
                canvas.rect(element.x, y, element.width, element.height, stroke=0, fill=1)
        elif isinstance(element, _Barcode):
            # Bars on whole printer dots, so a 203 dpi printer prints the PDF as crisply as the ZPL.
            bar_width = element.module_dots / DOTS_PER_POINT
            barcode = Code128(element.value, barWidth=bar_width, barHeight=element.height, quiet=0, humanReadable=0)
            barcode.drawOn(canvas, (PAGE_WIDTH - barcode.width) / 2, PAGE_HEIGHT - element.top - element.height)
        else:
            font = BOLD if element.bold else REGULAR
            canvas.setFont(font, element.size)
            canvas.setFillGray(1 if element.reverse else 0)
            baseline = PAGE_HEIGHT - element.top - element.size * 0.78
            if element.align == "center":
                canvas.drawCentredString(element.x + element.width / 2, baseline, element.text)
            elif element.align == "right":
                canvas.drawRightString(element.x + element.width, baseline, element.text)
            else:
                canvas.drawString(element.x, baseline, element.text)
            canvas.setFillGray(0)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _dots(points: float) -> int:
    return round(points * DOTS_PER_POINT)


def label_zpl(content: LabelContent) -> bytes:
    """The label in ZPL II for a 4x6 inch, 203 dpi thermal printer (ASCII only)."""
    commands = ["^XA", "^CI0", f"^PW{_dots(PAGE_WIDTH)}", f"^LL{_dots(PAGE_HEIGHT)}", "^LH0,0"]
    for element in _layout(content, ascii_text):
        if isinstance(element, _Box):
            width, height = max(_dots(element.width), 1), max(_dots(element.height), 1)
            thickness = max(_dots(element.thickness), 1) if element.thickness else min(width, height)
            commands.append(f"^FO{_dots(element.x)},{_dots(element.top)}^GB{width},{height},{thickness},B,0^FS")
        elif isinstance(element, _Barcode):
            modules = Code128(element.value, barWidth=1, quiet=0).width
            x = max(0, (_dots(PAGE_WIDTH) - int(modules * element.module_dots)) // 2)
            commands.append(
                f"^FO{x},{_dots(element.top)}^BY{element.module_dots},3,{_dots(element.height)}"
                f"^BCN,{_dots(element.height)},N,N,N,A^FH^FD{zpl_field(element.value)}^FS"
            )
        elif element.text:
            height = _dots(element.size)
            justify = {"left": "L", "center": "C", "right": "R"}[element.align]
            reverse = "^FR" if element.reverse else ""
            commands.append(
                f"^FO{_dots(element.x)},{_dots(element.top)}^A0N,{height},{height}"
                f"^FB{_dots(element.width)},1,0,{justify},0{reverse}^FH^FD{zpl_field(element.text)}^FS"
            )
    commands.append("^XZ")
    return ("\n".join(commands) + "\n").encode("ascii")
