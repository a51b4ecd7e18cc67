"""A 3PL's stock against our ledger for its location: drift recorded, corrected only when staff say so.

`threepl_reconcile(partner=..., apply=False)` reads every page of ShipBob's inventory levels and
records an `InventorySnapshot` with one `InventoryDrift` row per SKU on which ShipBob's on hand
and our ledger's on hand differ (a SKU we hold there that ShipBob does not list counts as 0 at
ShipBob; a SKU ShipBob lists that we do not know is shown, never corrected). The beat task does
that and nothing else. Correcting is a recorded action of a person (`inventory_snapshot_apply`,
or `apply=True`): each drift becomes a ledger adjustment (reason "correction", noted "3PL
reconcile", with the snapshot as its document), never a silent overwrite. A row whose ledger
moved since the snapshot is not corrected (the difference may be the movement): take a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, ValidationFailed
from core.types import AnyUser
from inventory.models import SKU, AdjustmentReason, Location, LocationKind, StockLevel
from inventory.services import DocumentRef, stock_adjust
from partners.models import DriftStatus, InventoryDrift, InventorySnapshot, Partner, SnapshotStatus
from partners.threepl.connector import threepl_connector_for
from partners.threepl.payloads import InventoryLevel, inventory_level_from_json

#: The ledger document of a correction: the snapshot it came from.
SNAPSHOT_DOCUMENT = "3pl_snapshot"


def partner_location(partner: Partner) -> Location:
    """The 3PL location whose stock the partner's connector reports (exactly one is expected)."""
    locations = list(partner.locations.filter(kind=LocationKind.THIRD_PARTY, is_active=True).order_by("pk")[:2])
    if len(locations) != 1:
        raise ValidationFailed(
            f"{partner.name} needs exactly one active 3PL location to reconcile against (it has {len(locations)}).",
            field="locations",
        )
    return locations[0]


def inventory_snapshot_record(
    *, partner: Partner, location: Location, items: Sequence[dict[str, Any]]
) -> InventorySnapshot:
    """Store what the 3PL reported and the drift against the ledger, in one transaction."""
    levels: dict[str, InventoryLevel] = {}
    for item in items:
        level = inventory_level_from_json(item)
        if level.sku:
            previous = levels.get(level.sku)
            # The same SKU twice (two inventory items): their units add up.
            levels[level.sku] = (
                level
                if previous is None
                else InventoryLevel(
                    previous.inventory_id,
                    level.sku,
                    level.name,
                    previous.on_hand + level.on_hand,
                    previous.fulfillable + level.fulfillable,
                    previous.committed + level.committed,
                    previous.awaiting + level.awaiting,
                )
            )
    with transaction.atomic():
        snapshot = InventorySnapshot.objects.create(
            partner=partner, location=location, taken_at=timezone.now(), items=list(items)
        )
        ours = {level.sku.code: level for level in StockLevel.objects.filter(location=location).select_related("sku")}
        skus = {sku.code: sku for sku in SKU.objects.filter(code__in=list(levels))}
        drifts = []
        for code, level in sorted(levels.items()):
            ledger = ours.get(code)
            on_hand = ledger.on_hand if ledger else 0
            if level.on_hand != on_hand:
                drifts.append(
                    InventoryDrift(
                        snapshot=snapshot,
                        sku=skus.get(code),
                        sku_code=code[:64],
                        inventory_id=str(level.inventory_id),
                        threepl_on_hand=level.on_hand,
                        threepl_fulfillable=level.fulfillable,
                        threepl_committed=level.committed,
                        ledger_on_hand=on_hand,
                        ledger_reserved=ledger.reserved if ledger else 0,
                        drift=level.on_hand - on_hand,
                        note="" if code in skus else "Not one of our SKUs.",
                    )
                )
        for code, ledger in sorted(ours.items()):
            if code not in levels and ledger.on_hand:
                drifts.append(
                    InventoryDrift(
                        snapshot=snapshot,
                        sku=ledger.sku,
                        sku_code=code,
                        threepl_on_hand=0,
                        ledger_on_hand=ledger.on_hand,
                        ledger_reserved=ledger.reserved,
                        drift=-ledger.on_hand,
                        note=f"{partner.name} does not list this SKU.",
                    )
                )
        InventoryDrift.objects.bulk_create(drifts)
        snapshot.skus_compared = len(set(levels) | {code for code, level in ours.items() if level.on_hand})
        snapshot.skus_drifting = len(drifts)
        snapshot.save(update_fields=["skus_compared", "skus_drifting"])
    return snapshot


def threepl_reconcile(*, partner: Partner, apply: bool, actor: AnyUser | None = None) -> InventorySnapshot:
    """Read the 3PL's inventory levels (every cursor page), record the snapshot and drift; with
    `apply`, correct the drift through the ledger as `actor` (see the module's docstring).

    Raises `ThreePlUnavailable` when ShipBob cannot answer (nothing is recorded then).
    """
    location = partner_location(partner)
    items = [item for page in threepl_connector_for(partner).inventory_pages() for item in page]
    snapshot = inventory_snapshot_record(partner=partner, location=location, items=items)
    if apply:
        snapshot = inventory_snapshot_apply(snapshot=snapshot, actor=actor)
    return snapshot


def inventory_snapshot_apply(*, snapshot: InventorySnapshot, actor: AnyUser | None) -> InventorySnapshot:
    """Correct each open drift of a snapshot through the ledger; each row says what became of it.

    A drift whose SKU is not ours, whose ledger moved since the snapshot, or that the ledger
    refuses (on hand below what orders hold reserved) is skipped with the reason. Applying a
    snapshot twice changes nothing the second time.
    """
    document = DocumentRef(SNAPSHOT_DOCUMENT, str(snapshot.pk))
    with transaction.atomic():
        locked = InventorySnapshot.objects.select_for_update().select_related("partner", "location").get(pk=snapshot.pk)
        for drift in InventoryDrift.objects.filter(snapshot=locked, status=DriftStatus.OPEN).select_related("sku"):
            _apply_drift(locked, drift, actor, document)
        locked.status = SnapshotStatus.APPLIED
        locked.applied_at = locked.applied_at or timezone.now()
        locked.applied_by_id = locked.applied_by_id or (
            actor.pk if actor is not None and actor.is_authenticated else None
        )
        locked.save(update_fields=["status", "applied_at", "applied_by"])
    return locked


def _apply_drift(
    snapshot: InventorySnapshot, drift: InventoryDrift, actor: AnyUser | None, document: DocumentRef
) -> None:
    if drift.sku is None:
        drift.status, drift.note = DriftStatus.SKIPPED, "Not one of our SKUs: nothing to correct."
        drift.save(update_fields=["status", "note"])
        return
    level = StockLevel.objects.filter(location=snapshot.location, sku=drift.sku).first()
    now_on_hand = level.on_hand if level else 0
    if now_on_hand != drift.ledger_on_hand:
        drift.status = DriftStatus.SKIPPED
        drift.note = (
            f"The ledger moved since the snapshot ({drift.ledger_on_hand} -> {now_on_hand}): take a new snapshot."
        )
        drift.save(update_fields=["status", "note"])
        return
    try:
        with transaction.atomic():
            movement = stock_adjust(
                location=snapshot.location,
                sku=drift.sku,
                delta=drift.drift,
                reason_code=AdjustmentReason.CORRECTION,
                actor=actor,
                note=f"3PL reconcile: {snapshot.partner.name} shows {drift.threepl_on_hand}, "
                f"ledger had {drift.ledger_on_hand}",
                document=document,
            )
    except DomainError as exc:
        drift.status, drift.note = DriftStatus.SKIPPED, str(exc.message)[:255]
        drift.save(update_fields=["status", "note"])
        return
    drift.status, drift.movement = DriftStatus.APPLIED, movement
    drift.note = "Corrected through the ledger."
    drift.save(update_fields=["status", "movement", "note"])
