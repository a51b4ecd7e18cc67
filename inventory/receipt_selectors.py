"""Reads for transfer receipts: the discrepancies recorded on a transfer, for its page."""

from __future__ import annotations

from django.db.models import QuerySet

from inventory.models import Transfer, TransferDiscrepancy


def transfer_discrepancies(*, transfer: Transfer) -> QuerySet[TransferDiscrepancy]:
    """The transfer's short, over and damaged records, oldest first, with SKU and who recorded them.

    The caller has already scoped `transfer` to the user (`inventory.selectors.transfer_get`).
    """
    return transfer.discrepancies.select_related("line__sku", "recorded_by").order_by("id")
