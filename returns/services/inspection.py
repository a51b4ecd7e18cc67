"""Inspection and disposition of received units, and what each disposition does to stock.

Each unit is inspected once (condition and disposition) under the return's row lock, so
repeating an inspection (a double click, a retried request, two people at once) never moves
a unit twice. What each disposition does to stock:

- restock: back to sellable stock at the receiving location (`stock_receive`, ledger kind
  `return_restock`), so channels see it;
- transfer: the same receipt, then an inventory transfer to the chosen location (its units
  reserved at the source until shipped);
- refurbish: nothing yet: the unit waits in the returns app's refurbish bucket until staff
  restock it (`refurbish_restock`) or scrap it;
- scrap: nothing (the unit never re-entered stock); written off with its reason;
- return to vendor: nothing; the unit joins the open vendor-return document of that
  vendor at that location (`vendor_return_ship` when it leaves).

Photos taken at inspection are checked and stored by `returns.services.photos`; what staff
do with refurbish units and vendor returns afterwards is in `returns.services.stock`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, NotFound, ValidationFailed
from core.types import AnyUser
from inventory.models import Location, MovementKind
from inventory.services import StockLine, stock_receive, transfer_create
from returns.models import (
    Condition,
    Disposition,
    Refund,
    ReturnAuthorization,
    ReturnStatus,
    ReturnUnit,
    VendorReturn,
    VendorReturnStatus,
)
from returns.services._common import actor_id, return_document, rma_event, rma_lock, rma_transition
from returns.services.money import refund_create
from returns.services.photos import photo_save, photos_check


@dataclass(frozen=True)
class UnitInspection:
    unit_id: int
    condition: str
    disposition: str
    note: str = ""
    scrap_reason: str = ""
    transfer_to: str = ""
    vendor: str = ""


@dataclass(frozen=True)
class Inspection:
    rma: ReturnAuthorization
    inspected: int
    unchanged: int
    refund: Refund | None


def _check(items: Sequence[UnitInspection], units: dict[int, ReturnUnit]) -> dict[str, Location]:
    """Refuse anything wrong in any row before a unit moves; returns the transfer destinations by code."""
    if not items:
        raise ValidationFailed("Choose a condition and a disposition for at least one unit.", field="units")
    codes = {item.transfer_to.strip() for item in items if item.disposition == Disposition.TRANSFER}
    destinations = {loc.code: loc for loc in Location.objects.filter(code__in=codes - {""}, is_active=True)}
    for item in items:
        unit = units.get(item.unit_id)
        if unit is None:
            raise NotFound("That unit is not part of this return.", field=f"unit-{item.unit_id}")
        name = f"unit-{item.unit_id}"
        what = f"{unit.line.sku.code} #{unit.sequence}"
        if item.condition not in Condition.values:
            raise ValidationFailed(f"{what}: choose its condition.", field=f"{name}-condition")
        if item.disposition not in Disposition.values:
            raise ValidationFailed(f"{what}: choose what happens to it.", field=f"{name}-disposition")
        if item.disposition == Disposition.SCRAP and not item.scrap_reason.strip():
            raise ValidationFailed(f"{what}: say why it is scrapped.", field=f"{name}-scrap_reason")
        if item.disposition == Disposition.VENDOR and not item.vendor.strip():
            raise ValidationFailed(f"{what}: name the vendor it goes back to.", field=f"{name}-vendor")
        if item.disposition == Disposition.TRANSFER:
            target = destinations.get(item.transfer_to.strip())
            if target is None:
                raise ValidationFailed(f"{what}: choose an active location to send it to.", field=f"{name}-transfer_to")
            if target.pk == unit.location_id:
                raise ValidationFailed(
                    f"{what}: it is already at {target.code}; restock it instead.", field=f"{name}-transfer_to"
                )
        if item.disposition == Disposition.RESTOCK and item.condition in (Condition.DAMAGED, Condition.DEFECTIVE):
            raise ValidationFailed(
                f"{what}: a {item.condition} unit cannot go back to sellable stock; refurbish, scrap or return it "
                "to the vendor.",
                field=f"{name}-disposition",
            )
    return destinations


def _vendor_return(location_id: int, vendor: str) -> VendorReturn:
    """The open vendor-return document of this vendor at this location (created on first use)."""
    vendor = vendor.strip()[:120]
    found = (
        VendorReturn.objects.select_for_update()
        .filter(location_id=location_id, vendor__iexact=vendor, status=VendorReturnStatus.OPEN)
        .first()
    )
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return VendorReturn.objects.create(location_id=location_id, vendor=vendor)
    except IntegrityError:
        return VendorReturn.objects.select_for_update().get(
            location_id=location_id, vendor=vendor, status=VendorReturnStatus.OPEN
        )


def return_inspect(
    *,
    rma: ReturnAuthorization,
    inspections: Sequence[UnitInspection],
    actor: AnyUser | None,
    photos: Sequence[UploadedFile] = (),
    actor_label: str = "",
    photos_unit_id: int | None = None,
) -> Inspection:
    """Inspect received units: condition and disposition per unit, photos, and the stock effect of each.

    All or nothing: every row is checked first (condition, disposition, a scrap reason, a
    vendor, a transfer destination other than where the unit is; a damaged or defective
    unit is never restocked as sellable), then applied under the return's row lock. A unit
    inspected before with the same answer is left alone (`unchanged`); with another answer
    it is refused (409). Once every unit is inspected the return is `inspected` and its
    refund is recorded (or it is `exchanged` when every line was an exchange).

    Photos are linked to `photos_unit_id` (a unit of this return), or to the one unit
    inspected with them; a photo already stored with this return (same content, e.g. a
    double-submitted form) is not stored again.
    """
    with transaction.atomic():
        locked = rma_lock(rma)
        units = {
            unit.pk: unit
            for unit in ReturnUnit.objects.select_for_update(of=("self",))
            .filter(rma=locked)
            .select_related("line", "line__sku", "location")
            .order_by("pk")
        }
        if not units:
            raise Conflict(f"{locked.number} has no received units to inspect; receive it first.")
        destinations = _check(inspections, units)
        if photos_unit_id is not None and photos_unit_id not in units:
            raise NotFound("That unit is not part of this return.", field="photos_unit")
        photos_checked = photos_check(locked, photos)
        if photos_unit_id is None and len(inspections) == 1:
            photos_unit_id = inspections[0].unit_id
        now = timezone.now()
        inspected = unchanged = 0
        restock: dict[tuple[int, int], list[ReturnUnit]] = defaultdict(list)
        transfers: dict[tuple[int, int], list[ReturnUnit]] = defaultdict(list)
        summary = []
        for item in inspections:
            unit = units[item.unit_id]
            if unit.disposition:
                if (unit.condition, unit.disposition) == (item.condition, item.disposition):
                    unchanged += 1
                    continue
                raise Conflict(
                    f"{unit.line.sku.code} #{unit.sequence} was inspected already as "
                    f"{unit.get_condition_display().lower()} → {unit.get_disposition_display().lower()}."
                )
            unit.condition = item.condition
            unit.disposition = item.disposition
            unit.note = item.note.strip()[:300]
            unit.inspected_at = now
            unit.inspected_by_id = actor_id(actor)
            if item.disposition == Disposition.SCRAP:
                unit.scrap_reason = item.scrap_reason.strip()[:200]
            elif item.disposition == Disposition.VENDOR:
                unit.vendor_return = _vendor_return(unit.location_id, item.vendor)
            elif item.disposition == Disposition.RESTOCK:
                unit.restocked_at = now
                restock[(unit.location_id, unit.line.sku_id)].append(unit)
            elif item.disposition == Disposition.TRANSFER:
                unit.restocked_at = now
                transfers[(unit.location_id, destinations[item.transfer_to.strip()].pk)].append(unit)
            unit.save()
            inspected += 1
            summary.append(
                f"{unit.line.sku.code} #{unit.sequence} {unit.condition} → {unit.get_disposition_display().lower()}"
            )
        _restock(locked, restock, actor)
        _transfer(locked, transfers, destinations, actor)
        for photo in photos_checked:
            photo_save(locked, photo, actor, unit_id=photos_unit_id)
        if summary or photos_checked:
            text = "inspected " + "; ".join(summary) if summary else "photos added"
            if photos_checked:
                text += f" ({len(photos_checked)} photo{'s' if len(photos_checked) != 1 else ''})"
            rma_event(rma=locked, message=text + ".", actor=actor, actor_label=actor_label)
        refund = _finish_if_done(locked, actor=actor, actor_label=actor_label)
    return Inspection(rma=locked, inspected=inspected, unchanged=unchanged, refund=refund)


def _restock(rma: ReturnAuthorization, groups: dict[tuple[int, int], list[ReturnUnit]], actor: AnyUser | None) -> None:
    for _key, units in sorted(groups.items()):
        stock_receive(
            location=units[0].location,
            sku=units[0].line.sku,
            quantity=len(units),
            actor=actor,
            document=return_document(rma),
            kind=MovementKind.RETURN_RESTOCK,
            note=f"{rma.number}: returned {', '.join(f'#{u.sequence}' for u in units)} restocked",
        )


def _transfer(
    rma: ReturnAuthorization,
    groups: dict[tuple[int, int], list[ReturnUnit]],
    destinations: dict[str, Location],
    actor: AnyUser | None,
) -> None:
    by_pk = {location.pk: location for location in destinations.values()}
    for (_source_id, destination_id), units in sorted(groups.items()):
        per_sku: dict[int, list[ReturnUnit]] = defaultdict(list)
        for unit in units:
            per_sku[unit.line.sku_id].append(unit)
        for sku_units in per_sku.values():
            stock_receive(
                location=sku_units[0].location,
                sku=sku_units[0].line.sku,
                quantity=len(sku_units),
                actor=actor,
                document=return_document(rma),
                kind=MovementKind.RETURN_RESTOCK,
                note=f"{rma.number}: returned, to transfer to {by_pk[destination_id].code}",
            )
        transfer = transfer_create(
            source=units[0].location,
            destination=by_pk[destination_id],
            lines=[StockLine(sku_id, len(sku_units)) for sku_id, sku_units in sorted(per_sku.items())],
            actor=actor,
            note=f"Returned units of {rma.number}",
            units_just_received=True,  # the units received just above: no safety-stock check
        )
        ReturnUnit.objects.filter(pk__in=[unit.pk for unit in units]).update(transfer=transfer)


def _finish_if_done(rma: ReturnAuthorization, *, actor: AnyUser | None, actor_label: str) -> Refund | None:
    """When no unit waits for inspection: inspected, then the refund (or exchanged)."""
    if rma.status != ReturnStatus.RECEIVED or rma.units.filter(disposition="").exists():
        return getattr(rma, "refund", None) if rma.status != ReturnStatus.RECEIVED else None
    rma.inspected_at = timezone.now()
    rma.save(update_fields=["inspected_at", "updated_at"])
    rma_transition(
        rma=rma, to=ReturnStatus.INSPECTED, actor=actor, actor_label=actor_label, message="every unit inspected"
    )
    refund = refund_create(rma=rma, actor=actor)
    replacement = rma.exchange_order
    if replacement is not None:
        rma_transition(
            rma=rma,
            to=ReturnStatus.EXCHANGED,
            actor=actor,
            actor_label=actor_label,
            message=f"replacement {replacement.number}",
        )
    if refund is not None and refund.status == "executed":
        rma_transition(
            rma=rma, to=ReturnStatus.REFUNDED, actor=actor, actor_label=actor_label, message="nothing to pay back"
        )
    return refund
