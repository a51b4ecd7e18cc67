"""The quarantine bucket: units set apart by quality control, out of on hand and so out of ATP.

Units enter quarantine from on hand (held for an inspection, or failed at one) and leave it one of
three ways: released back to on hand, scrapped, or returned to the vendor. Every move is a ledger
row with its own kind and the quality document, written by `apply_level_changes` like every other
stock change, so replaying the ledger reproduces the quarantined figure and `ledger_verify` checks
it. What the units are, and why they are there, is the quality app's business (its lots and
inspections): inventory only keeps the count per (location, SKU).
"""

from __future__ import annotations

import functools

from django.db import transaction

from core.errors import ValidationFailed
from core.types import Actor
from inventory.models import SKU, Location, MovementKind, StockMovement
from inventory.services.levels import DocumentRef, LevelChange, _lock_levels, _positive_quantity, apply_level_changes
from inventory.signals import stock_received

QUARANTINE_EXITS = (MovementKind.QUARANTINE_SCRAP, MovementKind.RETURN_TO_VENDOR)


def stock_quarantine(
    *,
    location: Location,
    sku: SKU,
    quantity: int,
    actor: Actor,
    document: DocumentRef,
    reason_code: str = "",
    note: str = "",
    up_to: bool = False,
) -> StockMovement | None:
    """Move units from on hand into quarantine (not available to promise).

    Units reserved for orders cannot be quarantined: a refusal names the level. With
    `up_to=True` as many as are free are moved (at most `quantity`), and None is returned when
    none is free: how an inspection holds its sample without taking units promised meanwhile.
    Safety stock does not stop a quarantine (it only holds units back from sale).
    """
    quantity = _positive_quantity(quantity)
    with transaction.atomic():
        if up_to:
            level = _lock_levels([(location.pk, sku.pk)], create_missing=False).get((location.pk, sku.pk))
            free = max(level.on_hand - level.reserved, 0) if level else 0
            quantity = min(quantity, free)
            if quantity == 0:
                return None
        change = LevelChange(
            location.pk,
            sku.pk,
            MovementKind.QUARANTINE,
            on_hand=-quantity,
            quarantined=quantity,
            reason_code=reason_code,
        )
        return apply_level_changes(
            [change], actor=actor, document=document, note=note, conflict_error=ValidationFailed
        )[0]


def stock_quarantine_release(
    *, location: Location, sku: SKU, quantity: int, actor: Actor, document: DocumentRef, note: str = ""
) -> StockMovement:
    """Put quarantined units back on hand (they passed, or staff released them).

    After commit, sends `stock_received` (kind `quarantine_release`): backorders waiting for
    the SKU retry as they would for a receipt.
    """
    quantity = _positive_quantity(quantity)
    change = LevelChange(location.pk, sku.pk, MovementKind.QUARANTINE_RELEASE, on_hand=quantity, quarantined=-quantity)
    movement = apply_level_changes(
        [change], actor=actor, document=document, note=note, conflict_error=ValidationFailed
    )[0]
    transaction.on_commit(
        functools.partial(
            stock_received.send,
            sender=StockMovement,
            location_id=location.pk,
            sku_ids=[sku.pk],
            quantities={sku.pk: quantity},
            kind=MovementKind.QUARANTINE_RELEASE.value,
            document_type=document.type,
            document_id=str(document.id),
            source_location_id=None,
        )
    )
    return movement


def stock_quarantine_remove(
    *,
    location: Location,
    sku: SKU,
    quantity: int,
    kind: str,
    actor: Actor,
    document: DocumentRef,
    reason_code: str = "",
    note: str = "",
) -> StockMovement:
    """Take quarantined units out of stock for good: scrapped, or returned to the vendor."""
    quantity = _positive_quantity(quantity)
    if kind not in QUARANTINE_EXITS:
        raise ValidationFailed("Quarantined units leave as scrap or as a return to the vendor.", field="kind")
    change = LevelChange(location.pk, sku.pk, kind, quarantined=-quantity, reason_code=reason_code)
    return apply_level_changes([change], actor=actor, document=document, note=note, conflict_error=ValidationFailed)[0]
