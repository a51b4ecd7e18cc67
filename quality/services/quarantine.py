"""Quarantine lots: putting units in by hand, and disposing of them (release, scrap, return to vendor).

Every disposition is a ledger movement through `inventory.services` with the lot as its document
`("quarantine", <id>)`. Locks: the lot row first, then the stock row.
"""

from __future__ import annotations

from django.db import transaction

from core.errors import Conflict, ValidationFailed
from core.types import Actor, actor_id
from inventory.models import SKU, Location, MovementKind
from inventory.services import DocumentRef, stock_quarantine, stock_quarantine_release, stock_quarantine_remove
from quality.models import Disposition, DispositionAction, QuarantineLot

MAX_REASON = 255


def lot_document(lot: QuarantineLot) -> DocumentRef:
    """The ledger document of a lot's dispositions."""
    return DocumentRef("quarantine", str(lot.pk))


def _check_quantity(quantity: object) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValidationFailed("Enter a whole number of units, at least 1.", field="quantity")


def quarantine_lot_create(*, location: Location, sku: SKU, quantity: int, reason: str, actor: Actor) -> QuarantineLot:
    """Set units found damaged on the shelf apart (not available to promise) until someone decides."""
    _check_quantity(quantity)
    if not reason.strip():
        raise ValidationFailed("Say why these units are quarantined.", field="reason")
    with transaction.atomic():
        lot = QuarantineLot.objects.create(
            location=location,
            sku=sku,
            quantity=quantity,
            quantity_open=quantity,
            reason=reason.strip()[:MAX_REASON],
            created_by_id=actor_id(actor),
        )
        stock_quarantine(
            location=location,
            sku=sku,
            quantity=quantity,
            actor=actor,
            document=lot_document(lot),
            reason_code="quarantine",
            note=f"{lot.number}: {lot.reason}"[:255],
        )
    return lot


def quarantine_dispose(
    *,
    lot: QuarantineLot,
    action: str,
    quantity: int,
    actor: Actor,
    note: str = "",
    vendor_reference: str = "",
) -> Disposition:
    """Release units of the lot back to stock, scrap them, or return them to the vendor.

    Refused if the lot holds fewer open units than asked (a second click finds them gone).
    """
    if action not in DispositionAction.values:
        raise ValidationFailed("Choose release, scrap or return to vendor.", field="action")
    _check_quantity(quantity)
    if action == DispositionAction.RETURN_TO_VENDOR and not vendor_reference.strip():
        raise ValidationFailed("Give the vendor's return or claim number.", field="vendor_reference")
    with transaction.atomic():
        locked = QuarantineLot.objects.select_for_update(of=("self",)).select_related("location", "sku").get(pk=lot.pk)
        if quantity > locked.quantity_open:
            raise Conflict(
                f"{locked.number} has {locked.quantity_open} unit{'s' if locked.quantity_open != 1 else ''} "
                f"in quarantine, not {quantity}.",
                field="quantity",
            )
        text = " ".join(part for part in (vendor_reference.strip(), note.strip()) if part)
        movement_note = f"{locked.number}: {text}" if text else locked.number
        document = lot_document(locked)
        if action == DispositionAction.RELEASE:
            stock_quarantine_release(
                location=locked.location,
                sku=locked.sku,
                quantity=quantity,
                actor=actor,
                document=document,
                note=movement_note[:255],
            )
        else:
            stock_quarantine_remove(
                location=locked.location,
                sku=locked.sku,
                quantity=quantity,
                kind=MovementKind.QUARANTINE_SCRAP
                if action == DispositionAction.SCRAP
                else MovementKind.RETURN_TO_VENDOR,
                actor=actor,
                document=document,
                reason_code=action,
                note=movement_note[:255],
            )
        locked.quantity_open -= quantity
        locked.save(update_fields=["quantity_open"])
        return Disposition.objects.create(
            lot=locked,
            action=action,
            quantity=quantity,
            vendor_reference=vendor_reference.strip()[:80],
            note=note.strip()[:255],
            actor_id=actor_id(actor),
        )
