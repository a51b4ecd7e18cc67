"""UPS's GIF label as the 4x6 inch PDF the product prints.

UPS sells no PDF label (GIF, ZPL, EPL and SPL only). The GIF comes landscape: the 4x6 label
turned a quarter turn, with a blank strip beside it. We turn it upright, cut the blank strip
and fit it on one 4x6 page with reportlab (Pillow reads the GIF), so the PDF holds UPS's own
label, barcodes and MaxiCode untouched, never a label we drew ourselves.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from carriers.connectors.base import CarrierError

PAGE_WIDTH = 288.0  # 4 inches in points
PAGE_HEIGHT = 432.0  # 6 inches
BORDER_SLACK = 4  # pixels


def gif_label_pdf(gif: bytes, *, title: str = "") -> bytes:
    """A one-page 4x6 PDF showing the label image, upright and as large as the page allows."""
    try:
        opened = Image.open(io.BytesIO(gif))
        opened.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise CarrierError("UPS sent a label image that cannot be read.", code="bad_response") from exc
    image = opened.convert("L")
    if image.width > image.height:
        # The label's top is on the image's left: a quarter turn clockwise stands it up.
        image = image.rotate(-90, expand=True)
    label_height = round(image.width * PAGE_HEIGHT / PAGE_WIDTH)
    inked = ImageOps.invert(image).getbbox()
    if image.height > label_height and inked is not None and inked[3] <= label_height + BORDER_SLACK:
        # The strip beyond the 4x6 label is blank (UPS's frame may spill a pixel or two into
        # it): drop it so the label prints at full size.
        image = image.crop((0, 0, image.width, label_height))
    scale = min(PAGE_WIDTH / image.width, PAGE_HEIGHT / image.height)
    width, height = image.width * scale, image.height * scale
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, pageCompression=1)
    if title:
        canvas.setTitle(title)
    canvas.drawImage(ImageReader(image), (PAGE_WIDTH - width) / 2, PAGE_HEIGHT - height, width, height)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
