"""The label files the UPS sandbox hands out: ZPL from the product's label layout, or a GIF.

UPS's GIF label is landscape: the 4x6 label at 200 dpi turned a quarter turn
counter-clockwise, with room beside it (the published sample is 1400 x 800 pixels). The
sandbox draws the label upright (service, addresses, tracking number, a QR code where UPS
prints its MaxiCode), turns it the same way and pads it to 1400 x 800.
"""

from __future__ import annotations

import io

import segno
from PIL import Image, ImageDraw, ImageFont

from carriers.connectors.base import GRAMS_PER_POUND
from carriers.documents import LabelContent, label_zpl

LABEL_SIZE = (800, 1200)  # 4 x 6 inches at 200 dpi, upright
GIF_SIZE = (1400, 800)


def zpl_label(content: LabelContent) -> bytes:
    """The label as ZPL II, from the product's own layout."""
    return label_zpl(content)


def _address_lines(content: LabelContent, *, to: bool) -> list[str]:
    address = content.ship_to if to else content.ship_from
    lines = [address.name, address.company, address.street1, address.street2]
    lines.append(f"{address.city} {address.state} {address.postal_code}".strip())
    lines.append(address.country)
    return [line.upper() for line in lines if line]


def gif_label(content: LabelContent) -> bytes:
    """A GIF label in UPS's landscape orientation."""
    label = Image.new("L", LABEL_SIZE, 255)
    draw = ImageDraw.Draw(label)
    small, medium, large = (ImageFont.load_default(size=size) for size in (26, 34, 54))
    draw.multiline_text((30, 30), "\n".join(_address_lines(content, to=False)), font=small, fill=0, spacing=6)
    draw.text((560, 30), f"{content.weight_grams / float(GRAMS_PER_POUND):.1f} LBS", font=small, fill=0)
    draw.text((560, 66), content.box.upper(), font=small, fill=0)
    draw.text((30, 250), "SHIP TO:", font=small, fill=0)
    draw.multiline_text((60, 290), "\n".join(_address_lines(content, to=True)), font=medium, fill=0, spacing=8)
    draw.line((0, 560, LABEL_SIZE[0], 560), fill=0, width=6)
    qr_png = io.BytesIO()
    segno.make(content.tracking_number, error="m").save(qr_png, kind="png", scale=7, border=1)
    qr = Image.open(qr_png).convert("L")
    label.paste(qr, (30, 590))
    draw.line((0, 820, LABEL_SIZE[0], 820), fill=0, width=6)
    draw.text((30, 840), f"UPS {content.service.upper()}", font=large, fill=0)
    draw.text((30, 920), f"TRACKING #: {_spaced(content.tracking_number)}", font=small, fill=0)
    draw.text((30, 980), f"REF: {content.reference}", font=small, fill=0)
    landscape = Image.new("L", GIF_SIZE, 255)
    landscape.paste(label.rotate(90, expand=True), (0, 0))
    buffer = io.BytesIO()
    landscape.convert("P").save(buffer, format="GIF")
    return buffer.getvalue()


def _spaced(tracking_number: str) -> str:
    """1Z W4R 8X2 03 0000 0429: UPS prints its numbers in groups."""
    if len(tracking_number) != 18:
        return tracking_number
    parts = (2, 3, 3, 2, 4, 4)
    groups, start = [], 0
    for size in parts:
        groups.append(tracking_number[start : start + size])
        start += size
    return " ".join(groups)
