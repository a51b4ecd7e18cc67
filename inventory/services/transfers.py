"""Transfers between locations: create (reserve at source) -> ship (in transit) -> receive."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.types import Actor
from inventory.models import Location, MovementKind, StockMovement, Transfer, TransferLine, TransferStatus
from inventory.services.levels import DocumentRef, LevelChange, StockLine, _merge_lines, apply_level_changes
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
) -> Transfer:
    """Create a transfer and reserve its units at the source so nobody else sells them.

    `units_just_received=True` is for units the caller received at the source in the same
    transaction only to send them on (a returned unit inspected for transfer): they are
    reserved without the safety-stock check (safety stock holds back what channels may
    sell, not units that never were sellable here). Reserved still never exceeds on hand.
    """
    if source.pk == destination.pk:
        raise ValidationFailed("Source and destination must be different locations.", field="destination")
    if not destination.is_active:
        raise ValidationFailed(f"Destination {destination.code} is inactive.", field="destination")
    merged = _merge_lines(lines)
    with transaction.atomic():
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


def transfer_receive(*, transfer: Transfer, actor: Actor) -> Transfer:
    """Receive a shipped transfer at its destination: in transit becomes on hand.

    After commit, sends `inventory.signals.stock_received` (backorders waiting for the SKUs retry).
    """
    with transaction.atomic():
        locked = _locked(transfer, TransferStatus.SHIPPED)
        changes = [
            LevelChange(
                locked.destination_id,
                line.sku_id,
                MovementKind.TRANSFER_IN,
                on_hand=line.quantity,
                in_transit=-line.quantity,
            )
            for line in _lines(locked)
        ]
        apply_level_changes(
            changes,
            actor=actor,
            document=_document(locked),
            conflict_error=Conflict,
            note=f"{locked.number}: received from {locked.source.code}",
        )
        locked.status = TransferStatus.RECEIVED
        locked.received_at = timezone.now()
        locked.save(update_fields=["status", "received_at", "updated_at"])
        transaction.on_commit(
            functools.partial(
                stock_received.send,
                sender=StockMovement,
                location_id=locked.destination_id,
                sku_ids=sorted({change.sku_id for change in changes}),
                quantities={change.sku_id: change.on_hand for change in changes},
                kind=MovementKind.TRANSFER_IN.value,
                document_type="transfer",
                document_id=str(locked.pk),
                source_location_id=locked.source_id,
            )
        )
    return locked


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
