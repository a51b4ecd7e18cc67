"""The packing bench's scans, one row per unit, written as each unit is scanned.

The count survives a reload and is shared by every device at the bench; `shipment_pack`
clears the rows when the shipment is packed (its boxes keep the codes).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from django.db import transaction

from core.types import Actor, actor_id
from fulfillment.models import PackScan, Shipment, ShipmentStatus
from fulfillment.selectors.work import PackProgress, pack_progress

PACKABLE = (ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING)


def pack_scan_add(
    *, shipment: Shipment, code: str, box_number: int, actor: Actor, shown: Sequence[tuple[str, int]] = ()
) -> PackProgress:
    """Record one scanned unit in box `box_number` of a shipment being packed, if it belongs there.

    `shown` are the (code, box) scans the page had: any the server lacks (a page from before a
    reload of the server, or a device that kept scanning while the network dropped) are recorded
    first, each checked like a new scan; one already recorded is not recorded twice. The
    shipment's row is locked while the scans are read and checked, so two devices scanning the
    last unit at once record it once and the other is told it is one too many. `shipment` must
    carry its prefetched lines (as `work_shipment_get` returns it). A box number below the last
    scan's box, or more than one past it, is taken as the last scan's box. An empty `code`
    records only what `shown` adds. Returns the progress (a refused scan: `error` says why).
    """
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().only("pk", "status").get(pk=shipment.pk)
        scans = list(PackScan.objects.filter(shipment_id=locked.pk).order_by("pk").values_list("code", "box_number"))
        codes = [scanned for scanned, _ in scans]
        if locked.status not in PACKABLE:
            progress = pack_progress(shipment=shipment, scanned=codes)
            return dataclasses.replace(progress, error=f"{shipment.number} is no longer being picked: nothing to scan.")
        last_box = scans[-1][1] if scans else 1
        rows: list[PackScan] = []

        def accept(candidate: str, box: int) -> str:
            """Record `candidate` in `box` if it is a unit still missing; the refusal otherwise."""
            nonlocal codes, last_box
            progress = pack_progress(shipment=shipment, scanned=codes, add=candidate)
            if progress.error:
                return progress.error
            last_box = box if last_box <= box <= last_box + 1 else last_box
            codes = progress.scanned
            scan = PackScan(shipment_id=locked.pk, box_number=last_box, code=codes[-1], scanned_by_id=actor_id(actor))
            rows.append(scan)
            return ""

        already = Counter(codes)
        for shown_code, box in shown:
            if already[shown_code]:
                already[shown_code] -= 1  # the page shows a scan the server has
            elif shown_code.strip():
                accept(shown_code.strip()[:100], box)
        error = accept(code.strip()[:100], box_number) if code.strip() else ""
        PackScan.objects.bulk_create(rows)
    return dataclasses.replace(pack_progress(shipment=shipment, scanned=codes), error=error)


def pack_scans_clear(*, shipment: Shipment) -> None:
    """Forget a shipment's bench scans (packed: its boxes keep the codes). Precondition: its row is locked."""
    PackScan.objects.filter(shipment_id=shipment.pk).delete()
