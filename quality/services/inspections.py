"""Opening inspections (inbound receipts, shipments of high-value goods) and recording their results.

Stock moves only through `inventory.services` with the inspection as the ledger document
`("qc", <id>)`:
- an inbound inspection holds its sample in quarantine as soon as it opens (as many of those units
  as orders have not taken meanwhile), so units nobody has looked at yet are not promised;
- recording the result releases the units that passed and keeps the failed ones in quarantine as a
  `QuarantineLot` (quarantining more from on hand if fewer were held), all in one transaction.
Locks: the inspection row first, then the stock rows (taken by the inventory services in pk order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.types import Actor, actor_id
from inventory.models import SKU, Location
from inventory.services import DocumentRef, stock_quarantine, stock_quarantine_release
from quality.matching import INBOUND, best_rule, sample_quantity
from quality.models import (
    Inspection,
    InspectionPhoto,
    InspectionStatus,
    InspectionTrigger,
    InspectionUnit,
    PhotoReason,
    PhotoRequest,
    QuarantineLot,
)
from quality.photos import CheckedPhoto, photos_check
from quality.selectors import active_rule_facts

# Inbound goods: a purchase receipt, a transfer in (a 3PL's inbound confirms one). Not a returned unit
# (the returns app inspects it), units out of quarantine, or a supplier's feed (stock it counted at home).
INSPECTED_KINDS = frozenset({"receipt", "transfer_in"})
MAX_PHOTOS_PER_INSPECTION = 40


def qc_document(inspection: Inspection) -> DocumentRef:
    """The ledger document of an inspection's stock movements."""
    return DocumentRef("qc", str(inspection.pk))


def inspections_open_for_receipt(
    *,
    location_id: int,
    quantities: Mapping[int, int],
    kind: str,
    document_type: str = "",
    document_id: str = "",
    source_location_id: int | None = None,
) -> list[Inspection]:
    """Open an inspection for each received SKU an inbound rule covers, and hold its sample.

    Called after the receipt committed. The same receipt twice (same document) opens nothing new.
    """
    if kind not in INSPECTED_KINDS or not quantities:
        return []
    rules, by_id = active_rule_facts(trigger=INBOUND)
    if not rules:
        return []
    location = Location.objects.get(pk=location_id)
    skus = SKU.objects.in_bulk(list(quantities))
    opened = []
    for sku_id, received in sorted(quantities.items()):
        sku = skus.get(sku_id)
        if sku is None or received <= 0:
            continue
        facts = best_rule(
            rules, location_id=location_id, sku_id=sku_id, unit_price=sku.price, trigger=INBOUND, quantity=received
        )
        if facts is None:
            continue
        rule = by_id[facts.rule_id]
        with transaction.atomic():
            if (
                document_id
                and Inspection.objects.filter(
                    location=location, sku=sku, trigger=INBOUND, document_type=document_type, document_id=document_id
                ).exists()
            ):
                continue
            inspection = Inspection.objects.create(
                rule=rule,
                location=location,
                sku=sku,
                origin_id=source_location_id,
                trigger=InspectionTrigger.INBOUND,
                document_type=document_type,
                document_id=document_id,
                received_quantity=received,
                sample_quantity=sample_quantity(facts.sample_mode, facts.sample_size, received),
                checklist=list(rule.checklist),
            )
            held = stock_quarantine(
                location=location,
                sku=sku,
                quantity=inspection.sample_quantity,
                actor=None,
                document=qc_document(inspection),
                reason_code="qc_hold",
                note=f"{inspection.number}: held for inspection",
                up_to=True,
            )
            inspection.held_quantity = held.quarantined_delta if held else 0
            inspection.save(update_fields=["held_quantity", "updated_at"])
        opened.append(inspection)
    return opened


@dataclass(frozen=True)
class UnitResult:
    """One inspected unit: passed or not, the checklist questions (by position) it failed, a note."""

    passed: bool
    failed_checks: tuple[int, ...] = ()
    note: str = ""


def _checked_results(inspection: Inspection, results: Sequence[UnitResult]) -> None:
    if len(results) != inspection.sample_quantity:
        raise ValidationFailed(
            f"Record all {inspection.sample_quantity} units of the sample ({len(results)} given).", field="units"
        )
    questions = inspection.checklist
    for number, result in enumerate(results, start=1):
        bad = next((i for i in result.failed_checks if not 0 <= i < len(questions)), None)
        if bad is not None:
            raise ValidationFailed(f"Unit {number}: there is no question {bad + 1}.", field="units")
        if result.passed and result.failed_checks:
            failed = questions[result.failed_checks[0]]
            raise ValidationFailed(f"Unit {number} is marked as passed but fails “{failed}”.", field="units")
        if not result.passed and not (result.failed_checks or result.note.strip()):
            raise ValidationFailed(f"Unit {number} failed: tick what is wrong or write a note.", field="units")


def _lot_reason(inspection: Inspection, results: Sequence[UnitResult]) -> str:
    counts: dict[int, int] = {}
    for result in results:
        for index in result.failed_checks:
            counts[index] = counts.get(index, 0) + 1
    worst = sorted(counts, key=lambda index: (-counts[index], index))[:2]
    what = "; ".join(inspection.checklist[index] for index in worst) or "see the inspector's note"
    return f"Failed {inspection.number}: {what}"[:255]


def _move_stock(inspection: Inspection, failed: int, actor: Actor) -> None:
    """Release the held units that passed; quarantine failed units beyond those held."""
    document = qc_document(inspection)
    release = max(inspection.held_quantity - failed, 0)
    extra = max(failed - inspection.held_quantity, 0)
    if release:
        stock_quarantine_release(
            location=inspection.location,
            sku=inspection.sku,
            quantity=release,
            actor=actor,
            document=document,
            note=f"{inspection.number}: passed",
        )
    if extra:
        try:
            stock_quarantine(
                location=inspection.location,
                sku=inspection.sku,
                quantity=extra,
                actor=actor,
                document=document,
                reason_code="qc_failed",
                note=f"{inspection.number}: failed",
            )
        except ValidationFailed as exc:
            raise Conflict(
                f"The failed units cannot go to quarantine: {exc.message} Release or re-route an order first.",
                field="units",
            ) from exc


def inspection_record(
    *,
    inspection: Inspection,
    results: Sequence[UnitResult],
    actor: Actor,
    note: str = "",
    photos: Sequence[UploadedFile] = (),
) -> Inspection:
    """Record every sampled unit's result: passed units go back to stock, failed ones to a quarantine lot.

    All or nothing; an inspection already recorded is refused (409), so a second click changes nothing.
    """
    with transaction.atomic():
        locked = (
            Inspection.objects.select_for_update(of=("self",))
            .select_related("location", "sku", "rule")
            .get(pk=inspection.pk)
        )
        if locked.status != InspectionStatus.OPEN:
            raise Conflict(f"{locked.number} was already recorded ({locked.get_status_display().lower()}).")
        _checked_results(locked, results)
        known = set(locked.photos.values_list("content_sha256", flat=True))
        checked = photos_check(
            photos, known=known, room=MAX_PHOTOS_PER_INSPECTION - len(known), limit_label="An inspection"
        )
        failed = sum(1 for result in results if not result.passed)
        _move_stock(locked, failed, actor)
        units = InspectionUnit.objects.bulk_create(
            [
                InspectionUnit(
                    inspection=locked,
                    number=number,
                    passed=result.passed,
                    failed_checks=sorted(set(result.failed_checks)),
                    note=result.note.strip()[:255],
                )
                for number, result in enumerate(results, start=1)
            ]
        )
        if failed:
            QuarantineLot.objects.create(
                location=locked.location,
                sku=locked.sku,
                inspection=locked,
                quantity=failed,
                quantity_open=failed,
                reason=_lot_reason(locked, results),
                created_by_id=actor_id(actor),
            )
        first_failed = next((unit for unit in units if not unit.passed), None)
        for photo in checked:
            _photo_save(locked, photo, actor, unit=first_failed)
        if locked.rule is not None and locked.rule.photograph_units:
            _unit_photo_requests(locked, [unit for unit in units if unit.passed], actor)
        locked.status = InspectionStatus.FAILED if failed else InspectionStatus.PASSED
        locked.passed_units = len(results) - failed
        locked.failed_units = failed
        locked.held_quantity = 0
        locked.note = note.strip()
        locked.inspected_by_id = actor_id(actor)
        locked.inspected_at = timezone.now()
        locked.save()
    return locked


def _photo_save(inspection: Inspection, photo: CheckedPhoto, actor: Actor, *, unit: InspectionUnit | None) -> None:
    record = InspectionPhoto(
        inspection=inspection,
        unit=unit,
        content_sha256=photo.sha256,
        content_type=photo.content_type,
        size_bytes=photo.size,
        original_name=(photo.upload.name or "")[:200],
        uploaded_by_id=actor_id(actor),
    )
    record.image.save(photo.file_name, photo.upload, save=False)
    record.save()


def _unit_photo_requests(inspection: Inspection, units: Sequence[InspectionUnit], actor: Actor) -> None:
    """High-value goods photographed one by one: a request per unit that passed."""
    PhotoRequest.objects.bulk_create(
        [
            PhotoRequest(
                sku=inspection.sku,
                reason=PhotoReason.INSPECTED_UNIT,
                location=inspection.location,
                inspection_unit=unit,
                note=f"{inspection.number} unit {unit.number}",
                requested_by_id=actor_id(actor),
            )
            for unit in units
        ]
    )
