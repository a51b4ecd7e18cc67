"""Printable carrier documents: shipping labels (PDF and ZPL) and the end-of-day manifest."""

from carriers.documents.label import LabelContent, label_pdf, label_zpl
from carriers.documents.manifest import ManifestContent, ManifestParcel, manifest_pdf

__all__ = ["LabelContent", "ManifestContent", "ManifestParcel", "label_pdf", "label_zpl", "manifest_pdf"]
