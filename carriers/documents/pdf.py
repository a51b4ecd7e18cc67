"""PDF plumbing shared by the letter-size documents (the manifest here, the packing slip in fulfillment)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from carriers.documents.text import pdf_text

#: Platypus frames pad their content by 6 pt; page margins are set that much smaller so the
#: content's edge is the margin, aligned with what is drawn straight on the canvas.
FRAME_PADDING = 6
REGULAR = "Helvetica"
BOLD = "Helvetica-Bold"

BODY = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=12.5)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5)
CELL_BOLD = ParagraphStyle("cell_bold", parent=CELL, fontName=BOLD)
HEADING = ParagraphStyle("heading", parent=BODY, fontName=BOLD, fontSize=11, leading=14, spaceBefore=6, spaceAfter=3)


def para(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of user text: made drawable by the standard fonts and escaped, so a `<` or `&`
    in a product name prints as itself instead of breaking the markup."""
    return Paragraph(escape(pdf_text(text)), style)


def lines_para(lines: list[str], style: ParagraphStyle = BODY) -> Paragraph:
    """Several lines of user text (an address) in one paragraph, line breaks kept."""
    return Paragraph("<br/>".join(escape(pdf_text(line)) for line in lines if line.strip()), style)


class NumberedCanvas(Canvas):
    """A canvas that writes "Page n of m" at the foot of every page, `margin` from the right edge.

    The page count is only known once the whole document is laid out, so pages are kept
    until `save` and numbered then.
    """

    def __init__(self, *args: Any, margin: float = 36, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._margin = margin

    def showPage(self) -> None:
        """Keep the finished page; it is written out, numbered, in `save`."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Number every kept page, then write the file."""
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            width, _height = self._pagesize
            self.setFont(REGULAR, 8)
            self.setFillGray(0.35)
            self.drawRightString(width - self._margin, 22, f"Page {number} of {total}")
            super().showPage()
        super().save()
