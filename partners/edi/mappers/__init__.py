"""Per-document mappers: a parsed transaction set in, a `partners.documents` dataclass out."""

from partners.edi.mappers.acknowledgment import acknowledgment_from_855
from partners.edi.mappers.common import (
    ItemRef,
    LineCatalog,
    MappingError,
    NoCatalog,
    PoLineKey,
    match_line,
    po_digits,
    po_number,
)
from partners.edi.mappers.functional_ack import FunctionalAckReceived, functional_ack_from_997
from partners.edi.mappers.inventory import inventory_feed_from_846
from partners.edi.mappers.invoice import invoice_from_810
from partners.edi.mappers.purchase_order import PurchaseOrderRead, purchase_order_from_850
from partners.edi.mappers.ship_notice import ship_notices_from_856

__all__ = [
    "FunctionalAckReceived",
    "ItemRef",
    "LineCatalog",
    "MappingError",
    "NoCatalog",
    "PoLineKey",
    "PurchaseOrderRead",
    "acknowledgment_from_855",
    "functional_ack_from_997",
    "inventory_feed_from_846",
    "invoice_from_810",
    "match_line",
    "po_digits",
    "po_number",
    "purchase_order_from_850",
    "ship_notices_from_856",
]
