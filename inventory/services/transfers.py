"""Transfers between locations: create (reserve at source) -> ship (in transit) -> receive, in part or in full."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.types import Actor, actor_id
from inventory.models import (
    AdjustmentReason,
    DiscrepancyKind,
    Location,
    MovementKind,
    StockMovement,
    Transfer,
    TransferDiscrepancy,
    TransferLine,
    TransferStatus,
)
from inventory.services.levels import (
    DocumentRef,
    LevelChange,
    StockLine,
    _merge_lines,
    _whole_number,
    apply_level_changes,
)
from inventory.services.stock import stock_release, stock_reserve
from inventory.signals import stock_received


def _document(transfer: Transfer) -> DocumentRef:
    return DocumentRef("transfer", str(transfer.pk))


def _locked(transfer: Transfer, expected: str) -> Transfer:
    """Re-read the transfer under a row lock and check its status (a double click does nothing twice)."""
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.status != expected:
        raise Conflict(
            f"{locked.number} is {locked.get_status_display().lower()}, not {TransferStatus(expected).label.lower()}."
        )
    return locked


def _lines(transfer: Transfer) -> list[StockLine]:
    return [StockLine(sku_id, qty) for sku_id, qty in transfer.lines.values_list("sku_id", "quantity")]


def transfer_create(
    *,
    source: Location,
    destination: Location,
    lines: Sequence[StockLine],
    actor: Actor,
    note: str = "",
    units_just_received: bool = False,
    savepoint: bool = True,
) -> Transfer:
    """Create a transfer and reserve its units at the source so nobody else sells them.

    `units_just_received=True` is for units the caller received at the source in the same
    transaction only to send them on (a returned unit inspected for transfer): they are
    reserved without the safety-stock check (safety stock holds back what channels may
    sell, not units that never were sellable here). Reserved still never exceeds on hand.

    Inside the caller's transaction the transfer is written under a savepoint, so a shortage
    leaves the caller free to carry on. `savepoint=False` saves its two round trips for a caller
    that rolls back its own savepoint (or its transaction) after any failure anyway: after a
    shortage, its transaction takes no statement until that rollback.
    """
    if source.pk == destination.pk:
        raise ValidationFailed("Source and destination must be different locations.", field="destination")
    if not destination.is_active:
        raise ValidationFailed(f"Destination {destination.code} is inactive.", field="destination")
    merged = _merge_lines(lines)
    with transaction.atomic(savepoint=savepoint):
        transfer = Transfer.objects.create(
            source=source,
            destination=destination,
            note=note,
            created_by_id=actor.pk if actor is not None and _is_user(actor) else None,
        )
        TransferLine.objects.bulk_create(
            [TransferLine(transfer=transfer, sku_id=sku_id, quantity=qty) for sku_id, qty in merged.items()]
        )
        if units_just_received:
            apply_level_changes(
                [LevelChange(source.pk, s, MovementKind.RESERVE, reserved=q) for s, q in sorted(merged.items())],
                actor=actor,
                document=_document(transfer),
                note=f"Reserved for transfer to {destination.code} (just received)",
            )
        else:
            stock_reserve(
                location=source,
                lines=[StockLine(s, q) for s, q in merged.items()],
                actor=actor,
                document=_document(transfer),
                note=f"Reserved for transfer to {destination.code}",
            )
    return transfer


def transfer_ship(*, transfer: Transfer, actor: Actor) -> Transfer:
    """Ship a requested transfer: units leave the source and are in transit to the destination."""
    with transaction.atomic():
        locked = _locked(transfer, TransferStatus.REQUESTED)
        changes: list[LevelChange] = []
        for line in _lines(locked):
            changes.append(
                LevelChange(
                    locked.source_id,
                    line.sku_id,
                    MovementKind.TRANSFER_OUT,
                    on_hand=-line.quantity,
                    reserved=-line.quantity,
                )
            )
            changes.append(
                LevelChange(
                    locked.destination_id, line.sku_id, MovementKind.TRANSFER_DISPATCHED, in_transit=line.quantity
                )
            )
        apply_level_changes(
            changes,
            actor=actor,
            document=_document(locked),
            create_missing=True,
            conflict_error=Conflict,
            document_must_hold=True,
            note=f"{locked.number}: {locked.source.code} → {locked.destination.code}",
        )
        locked.status = TransferStatus.SHIPPED
        locked.shipped_at = timezone.now()
        locked.save(update_fields=["status", "shipped_at", "updated_at"])
    return locked


@dataclass(frozen=True)
class ReceiptLine:
    """What arrived now of one SKU of a transfer: good units, and units that arrived damaged."""

    sku_id: int
    received: int = 0
    damaged: int = 0


RECEIVABLE = (TransferStatus.SHIPPED, TransferStatus.PARTIALLY_RECEIVED)


def transfer_receive(*, transfer: Transfer, actor: Actor) -> Transfer:
    """Receive every unit of a transfer still on its way at its destination, and close it.

    The whole-transfer form of `transfer_receipt_record` (same checks, ledger rows and signal).
    """
    return transfer_receipt_record(transfer=transfer, actor=actor, lines=None)


def transfer_receipt_record(
    *,
    transfer: Transfer,
    actor: Actor,
    lines: Sequence[ReceiptLine] | None,
    close: bool = False,
    note: str = "",
) -> Transfer:
    """Receive a shipped transfer at its destination, all at once or part now and the rest later.

    Without `lines`, every unit still on its way is received and the transfer closes. With
    `lines`, each SKU's good units become on hand (`transfer_in`, out of in transit); units
    beyond what was shipped are added as a "found" adjustment; damaged units leave in transit
    as a "damaged" adjustment. The transfer closes when every shipped unit is accounted for,
    or when `close` is given: units still on their way then leave in transit as a "lost"
    adjustment. Each short, over or damaged quantity is a `TransferDiscrepancy` (who, when,
    expected against received) and needs a `note` saying what happened. Everything is in
    the transfer's ledger document. After commit, sends `inventory.signals.stock_received`
    for the SKUs whose on hand went up.
    """
    with transaction.atomic():
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.status not in RECEIVABLE:
            raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}, not in transit.")
        by_sku = {line.sku_id: line for line in locked.lines.select_related("sku").order_by("pk")}
        if lines is None:
            lines = [ReceiptLine(line.sku_id, received=line.outstanding) for line in by_sku.values()]
            close = True
        plan = _receipt_plan(locked, by_sku, lines, close=close)
        if plan.discrepancies and not note.strip():
            raise ValidationFailed(
                "Say what happened: some units differ from what was shipped (short, over or damaged).", field="note"
            )
        if not plan.changes and not close:
            raise ValidationFailed("Enter how many units arrived on at least one line.", field="lines")
        apply_level_changes(
            plan.changes,
            actor=actor,
            document=_document(locked),
            conflict_error=Conflict,
            note=f"{locked.number}: received from {locked.source.code}",
        )
        TransferLine.objects.bulk_update(by_sku.values(), ["received_quantity", "damaged_quantity", "short_quantity"])
        TransferDiscrepancy.objects.bulk_create(
            [
                TransferDiscrepancy(
                    transfer=locked,
                    line=line,
                    kind=kind,
                    quantity=quantity,
                    expected=line.quantity,
                    received=line.received_quantity,
                    note=note.strip()[:255],
                    recorded_by_id=actor_id(actor),
                )
                for line, kind, quantity in plan.discrepancies
            ]
        )
        closed = close or not any(line.outstanding for line in by_sku.values())
        locked.status = TransferStatus.RECEIVED if closed else TransferStatus.PARTIALLY_RECEIVED
        locked.received_at = timezone.now() if closed else None
        locked.save(update_fields=["status", "received_at", "updated_at"])
        arrived: dict[int, int] = {}
        for change in plan.changes:
            if change.on_hand > 0:
                arrived[change.sku_id] = arrived.get(change.sku_id, 0) + change.on_hand
        if arrived:
            transaction.on_commit(
                functools.partial(
                    stock_received.send,
                    sender=StockMovement,
                    location_id=locked.destination_id,
                    sku_ids=sorted(arrived),
                    quantities=arrived,
                    kind=MovementKind.TRANSFER_IN.value,
                    document_type="transfer",
                    document_id=str(locked.pk),
                    source_location_id=locked.source_id,
                )
            )
    return locked


@dataclass
class _ReceiptPlan:
    changes: list[LevelChange] = field(default_factory=list)
    discrepancies: list[tuple[TransferLine, str, int]] = field(default_factory=list)


def _receipt_plan(
    transfer: Transfer, by_sku: dict[int, TransferLine], lines: Sequence[ReceiptLine], *, close: bool
) -> _ReceiptPlan:
    """The ledger changes and discrepancies of one receipt; updates the lines' running totals in memory.

    Refuses (before anything is written) a SKU that is not on the transfer, a SKU given twice,
    a quantity that is not a whole number of 0 or more, and more damaged units than are still
    on their way.
    """
    plan = _ReceiptPlan()
    seen: set[int] = set()
    destination = transfer.destination_id
    for index, wanted in enumerate(lines):
        line = by_sku.get(wanted.sku_id)
        if line is None:
            raise ValidationFailed(f"SKU #{wanted.sku_id} is not on {transfer.number}.", field=f"lines[{index}].sku")
        if wanted.sku_id in seen:
            raise ValidationFailed(f"{line.sku.code} is given twice.", field=f"lines[{index}].sku")
        seen.add(wanted.sku_id)
        message = "Enter a whole number of units, 0 or more."
        good = _whole_number(wanted.received, field_name=f"lines[{index}].received", minimum=0, message=message)
        damaged = _whole_number(wanted.damaged, field_name=f"lines[{index}].damaged", minimum=0, message=message)
        outstanding = line.outstanding
        if damaged > outstanding:
            raise ValidationFailed(
                f"{line.sku.code}: {damaged} damaged, but only {outstanding} still on their way.",
                field=f"lines[{index}].damaged",
            )
        from_transit = min(good, outstanding - damaged)
        over = good - from_transit
        sku_id = line.sku_id
        if from_transit:
            plan.changes.append(
                LevelChange(
                    destination, sku_id, MovementKind.TRANSFER_IN, on_hand=from_transit, in_transit=-from_transit
                )
            )
        if over:
            plan.changes.append(
                LevelChange(
                    destination,
                    sku_id,
                    MovementKind.ADJUSTMENT,
                    on_hand=over,
                    reason_code=AdjustmentReason.FOUND,
                    extra_note=f"{transfer.number}: {over} more than shipped arrived from {transfer.source.code}",
                )
            )
            plan.discrepancies.append((line, DiscrepancyKind.OVER, over))
        if damaged:
            plan.changes.append(
                LevelChange(
                    destination,
                    sku_id,
                    MovementKind.ADJUSTMENT,
                    in_transit=-damaged,
                    reason_code=AdjustmentReason.DAMAGED,
                    extra_note=f"{transfer.number}: {damaged} arrived damaged, written off",
                )
            )
            plan.discrepancies.append((line, DiscrepancyKind.DAMAGED, damaged))
        line.received_quantity += good
        line.damaged_quantity += damaged
    if close:
        for line in by_sku.values():
            short = line.outstanding
            if not short:
                continue
            plan.changes.append(
                LevelChange(
                    destination,
                    line.sku_id,
                    MovementKind.ADJUSTMENT,
                    in_transit=-short,
                    reason_code=AdjustmentReason.LOST,
                    extra_note=f"{transfer.number}: {short} never arrived from {transfer.source.code}, lost in transit",
                )
            )
            plan.discrepancies.append((line, DiscrepancyKind.SHORT, short))
            line.short_quantity += short
    return plan


def transfer_cancel(*, transfer: Transfer, actor: Actor) -> Transfer:
    """Cancel a transfer that has not shipped yet and release its reservation at the source."""
    with transaction.atomic():
        locked = _locked(transfer, TransferStatus.REQUESTED)
        stock_release(
            location=locked.source,
            lines=_lines(locked),
            actor=actor,
            document=_document(locked),
            note=f"{locked.number} cancelled",
        )
        locked.status = TransferStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
    return locked


def _is_user(actor: Actor) -> bool:
    return actor is not None and bool(getattr(actor, "is_authenticated", False))
