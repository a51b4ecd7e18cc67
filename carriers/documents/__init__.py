"""Printable carrier documents: shipping labels (PDF and ZPL) and the end-of-day manifest."""

from carriers.documents.label import LabelContent, label_pdf, label_zpl

__all__ = ["LabelContent", "label_pdf", "label_zpl"]
