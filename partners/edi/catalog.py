"""The purchase order lines a partner's documents may name, read from the database for the mappers."""

from __future__ import annotations

from collections.abc import Sequence

from partners.edi.mappers.common import PoLineKey
from partners.models import Partner, PartnerSkuCost, PurchaseOrderLine
from partners.services.documents import po_id_from_number


class PartnerLineCatalog:
    """A `LineCatalog` over one partner's purchase orders (another partner's PO reads as unknown).

    Each PO's lines are read once (two queries) and kept for the rest of the file.
    """

    def __init__(self, partner: Partner) -> None:
        self.partner = partner
        self._cache: dict[str, tuple[PoLineKey, ...]] = {}

    def lines(self, po_number: str) -> Sequence[PoLineKey]:
        """The lines of `po_number` with our SKU code, the supplier's code and the barcode."""
        if po_number not in self._cache:
            pk = po_id_from_number(po_number)
            rows = (
                PurchaseOrderLine.objects.filter(purchase_order_id=pk, purchase_order__partner=self.partner)
                .select_related("sku")
                .order_by("line_number")
                if pk is not None
                else PurchaseOrderLine.objects.none()
            )
            found = list(rows)
            # A line copied before the supplier's code was known still matches it through the cost terms.
            codes = dict(
                PartnerSkuCost.objects.filter(partner=self.partner, sku__in=[row.sku_id for row in found])
                .exclude(supplier_sku="")
                .values_list("sku_id", "supplier_sku")
            )
            self._cache[po_number] = tuple(
                PoLineKey(
                    line_number=row.line_number,
                    quantity=row.quantity,
                    sku=row.sku.code,
                    supplier_sku=row.supplier_sku or codes.get(row.sku_id, ""),
                    barcode=row.sku.barcode,
                )
                for row in found
            )
        return self._cache[po_number]
