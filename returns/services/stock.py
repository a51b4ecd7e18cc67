"""After inspection: refurbish units go back to stock or are scrapped, and vendor returns are shipped."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.types import AnyUser
from inventory.models import MovementKind
from inventory.services import stock_receive
from returns.models import Disposition, ReturnUnit, VendorReturn, VendorReturnStatus
from returns.services._common import actor_id, return_document, rma_event, rma_lock


def refurbish_restock(*, unit: ReturnUnit, actor: AnyUser | None, note: str = "") -> ReturnUnit:
    """A refurbished unit is sellable again: it leaves the bucket into stock at its location (once)."""
    with transaction.atomic():
        rma = rma_lock(unit.rma_id)
        locked = (
            ReturnUnit.objects.select_for_update(of=("self",)).select_related("line__sku", "location").get(pk=unit.pk)
        )
        if locked.disposition != Disposition.REFURBISH:
            raise Conflict("Only a unit in the refurbish bucket can be restocked from it.")
        if locked.restocked_at is not None:
            return locked
        stock_receive(
            location=locked.location,
            sku=locked.line.sku,
            quantity=1,
            actor=actor,
            document=return_document(rma),
            kind=MovementKind.RETURN_RESTOCK,
            note=f"{rma.number}: refurbished #{locked.sequence} restocked"
            + (f" — {note.strip()}" if note.strip() else ""),
        )
        locked.restocked_at = timezone.now()
        locked.save(update_fields=["restocked_at"])
        rma_event(
            rma=rma,
            message=f"refurbished {locked.line.sku.code} #{locked.sequence} back in stock at {locked.location.code}.",
            actor=actor,
        )
    return locked


def refurbish_scrap(*, unit: ReturnUnit, actor: AnyUser | None, reason: str) -> ReturnUnit:
    """A unit in the refurbish bucket cannot be saved: it is written off with a reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why it is scrapped.", field="reason")
    with transaction.atomic():
        rma = rma_lock(unit.rma_id)
        locked = (
            ReturnUnit.objects.select_for_update(of=("self",)).select_related("line__sku", "location").get(pk=unit.pk)
        )
        if not locked.in_refurbish_bucket:
            raise Conflict("Only a unit waiting in the refurbish bucket can be scrapped from it.")
        locked.disposition = Disposition.SCRAP
        locked.scrap_reason = reason[:200]
        locked.save(update_fields=["disposition", "scrap_reason"])
        rma_event(
            rma=rma,
            message=f"{locked.line.sku.code} #{locked.sequence} could not be refurbished; scrapped: {reason}.",
            actor=actor,
        )
    return locked


def vendor_return_ship(*, vendor_return: VendorReturn, actor: AnyUser | None, reference: str = "") -> VendorReturn:
    """The vendor-return document's units left for the vendor (with the vendor's RA number or tracking)."""
    with transaction.atomic():
        locked = VendorReturn.objects.select_for_update().get(pk=vendor_return.pk)
        if locked.status == VendorReturnStatus.SHIPPED:
            return locked
        if not locked.units.exists():
            raise Conflict(f"{locked.number} holds no units.")
        locked.status = VendorReturnStatus.SHIPPED
        locked.reference = reference.strip()[:100]
        locked.shipped_at = timezone.now()
        locked.shipped_by_id = actor_id(actor)
        locked.save()
    return locked
