"""Stock-changing services: receive, adjust, count, reserve, release, ship.

Every service here
- runs inside `transaction.atomic` and is all-or-nothing;
- locks the stock rows it touches with `select_for_update()` in primary-key order (so two
  services never deadlock on each other), then changes them with `F()` expressions;
- writes one ledger row (`StockMovement`) per (location, SKU) it changes, in the same
  transaction, with the deltas, the resulting levels, the actor, reason and document.

Refusals raise `core.errors` exceptions (ValidationFailed -> 400, InsufficientStock -> 409)
before anything is written.

The locking, checks and ledger writes they share live in `inventory.services.levels`; the
PostgreSQL one-statement reservation in `inventory.services.reserve_one_statement`. Callers
outside the package keep importing `DocumentRef`, `StockLine`, `LevelChange` and
`apply_level_changes` from here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from django.db import connection, transaction

from core.errors import NotFound, ValidationFailed
from core.types import Actor, actor_id
from inventory.models import SKU, AdjustmentReason, Location, MovementKind, StockLevel, StockMovement
from inventory.services.feed import stock_changes_record
from inventory.services.levels import (
    MAX_UNITS_PER_OPERATION,
    DocumentRef,
    LevelChange,
    StockLine,
    _lock_levels,
    _merge_lines,
    _positive_quantity,
    _whole_number,
    apply_level_changes,
)
from inventory.services.reserve_one_statement import _reserve_many_in_one_statement, _reserve_one_in_one_statement
from inventory.signals import stock_received

MANUAL = DocumentRef("manual", "")
COUNT_DOCUMENT = DocumentRef("count", "")


def _require_active(location: Location) -> None:
    if not location.is_active:
        raise ValidationFailed(f"Location {location.code} is inactive.", field="location")


def stock_receive(
    *,
    location: Location,
    sku: SKU,
    quantity: int,
    actor: Actor,
    document: DocumentRef = MANUAL,
    note: str = "",
    kind: str = MovementKind.RECEIPT,
) -> StockMovement:
    """Add received units to on hand (a purchase receipt, or a returned unit restocked).

    After commit, sends `inventory.signals.stock_received` (backorders waiting for the SKU retry).
    """
    quantity = _positive_quantity(quantity)
    if kind not in (MovementKind.RECEIPT, MovementKind.RETURN_RESTOCK):
        raise ValidationFailed("A receipt is either a receipt or a return restock.", field="kind")
    _require_active(location)
    change = LevelChange(location.pk, sku.pk, kind, on_hand=quantity)
    movement = apply_level_changes([change], actor=actor, document=document, note=note, create_missing=True)[0]
    transaction.on_commit(
        functools.partial(
            stock_received.send,
            sender=StockMovement,
            location_id=location.pk,
            sku_ids=[sku.pk],
            quantities={sku.pk: quantity},
            kind=str(kind),
            document_type=document.type,
            document_id=str(document.id),
            source_location_id=None,
        )
    )
    return movement


def stock_adjust(
    *,
    location: Location,
    sku: SKU,
    delta: int,
    reason_code: str,
    actor: Actor,
    note: str = "",
    document: DocumentRef = MANUAL,
) -> StockMovement:
    """Correct on hand by a signed delta with a reason (damaged, lost, found, ...)."""
    message = "Enter a non-zero whole number (negative to remove units)."
    delta = _whole_number(delta, field_name="delta", minimum=-MAX_UNITS_PER_OPERATION, message=message)
    if delta == 0:
        raise ValidationFailed(message, field="delta")
    if reason_code not in AdjustmentReason.values:
        raise ValidationFailed("Choose a reason for the adjustment.", field="reason_code")
    change = LevelChange(location.pk, sku.pk, MovementKind.ADJUSTMENT, on_hand=delta, reason_code=reason_code)
    return apply_level_changes(
        [change], actor=actor, document=document, note=note, create_missing=delta > 0, conflict_error=ValidationFailed
    )[0]


def stock_count(
    *,
    location: Location,
    sku: SKU,
    counted: int,
    actor: Actor,
    note: str = "",
    document: DocumentRef = COUNT_DOCUMENT,
) -> StockMovement:
    """Record a cycle count: on hand becomes the counted quantity; the variance is the delta.

    A count below the reserved quantity is refused: those units are promised to orders, so
    the orders must be re-routed or released first.
    """
    counted = _whole_number(counted, field_name="counted", minimum=0, message="Enter the counted quantity (0 or more).")
    with transaction.atomic():
        levels = _lock_levels([(location.pk, sku.pk)], create_missing=True)
        level = levels[(location.pk, sku.pk)]
        variance = counted - level.on_hand
        change = LevelChange(
            location.pk,
            sku.pk,
            MovementKind.COUNT,
            on_hand=variance,
            reason_code="count",
            extra_note=(note or f"Counted {counted}, system had {level.on_hand} (variance {variance:+d})."),
        )
        return apply_level_changes([change], actor=actor, document=document, conflict_error=ValidationFailed)[0]


def stock_reserve(
    *,
    location: Location,
    lines: Sequence[StockLine],
    actor: Actor,
    document: DocumentRef,
    note: str = "",
) -> list[StockMovement]:
    """Reserve units of several SKUs at one location, all or nothing.

    Each line must fit in available-to-promise (on hand - reserved - safety stock).
    Raises InsufficientStock (HTTP 409) naming every short line.
    """
    _require_active(location)
    merged = _merge_lines(lines)
    if len(merged) == 1 and connection.vendor == "postgresql":
        ((sku_id, quantity),) = merged.items()
        fast = _reserve_one_in_one_statement(
            location_id=location.pk,
            sku_id=sku_id,
            quantity=quantity,
            actor_id=actor_id(actor),
            document=document,
            note=note,
        )
        if fast is not None:
            return [fast]
    elif len(merged) > 1 and connection.vendor == "postgresql":
        many = _reserve_many_in_one_statement(
            lines={(location.pk, sku_id): quantity for sku_id, quantity in merged.items()},
            actor_id=actor_id(actor),
            document=document,
            note=note,
        )
        if many is not None:
            return many
    changes = [
        LevelChange(location.pk, sku_id, MovementKind.RESERVE, reserved=qty, needs_available=qty)
        for sku_id, qty in merged.items()
    ]
    return apply_level_changes(changes, actor=actor, document=document, note=note)


def stock_reserve_at(
    *,
    reservations: Sequence[tuple[Location, Sequence[StockLine]]],
    actor: Actor,
    document: DocumentRef,
    note: str = "",
) -> list[StockMovement]:
    """Reserve units at several locations for one document (an order split over them), all or nothing.

    Every line must fit in its location's available-to-promise; raises InsufficientStock, having
    reserved nothing, naming the short lines of the first location that lacks units. On
    PostgreSQL every line is locked and checked in one statement and reserved in a second,
    whatever the number of locations; when one is short (or elsewhere), location by location
    under a savepoint, which takes back the locations before the short one.
    """
    per_location: dict[int, tuple[Location, dict[int, int]]] = {}
    for location, lines in reservations:
        _require_active(location)
        merged = per_location.setdefault(location.pk, (location, {}))[1]
        for sku_id, quantity in _merge_lines(lines).items():
            merged[sku_id] = merged.get(sku_id, 0) + quantity
    if len(per_location) == 1:
        ((location, merged),) = per_location.values()
        return stock_reserve(location=location, lines=_lines(merged), actor=actor, document=document, note=note)
    if connection.vendor == "postgresql":
        many = _reserve_many_in_one_statement(
            lines={(pk, sku_id): q for pk, (_, merged) in per_location.items() for sku_id, q in merged.items()},
            actor_id=actor_id(actor),
            document=document,
            note=note,
        )
        if many is not None:
            return many
    with transaction.atomic():
        return [
            movement
            for location, merged in per_location.values()
            for movement in stock_reserve(
                location=location, lines=_lines(merged), actor=actor, document=document, note=note
            )
        ]


def _lines(merged: dict[int, int]) -> list[StockLine]:
    return [StockLine(sku_id, quantity) for sku_id, quantity in merged.items()]


def stock_release(
    *,
    location: Location,
    lines: Sequence[StockLine],
    actor: Actor,
    document: DocumentRef,
    note: str = "",
) -> list[StockMovement]:
    """Release units this document reserved back to available-to-promise (nobody else's)."""
    merged = _merge_lines(lines)
    changes = [LevelChange(location.pk, sku_id, MovementKind.RELEASE, reserved=-qty) for sku_id, qty in merged.items()]
    return apply_level_changes(
        changes, actor=actor, document=document, note=note, conflict_error=ValidationFailed, document_must_hold=True
    )


def stock_ship(
    *,
    location: Location,
    lines: Sequence[StockLine],
    actor: Actor,
    document: DocumentRef,
    note: str = "",
) -> list[StockMovement]:
    """Ship units this document reserved: both on hand and reserved go down."""
    merged = _merge_lines(lines)
    changes = [
        LevelChange(location.pk, sku_id, MovementKind.SHIP, on_hand=-qty, reserved=-qty)
        for sku_id, qty in merged.items()
    ]
    return apply_level_changes(
        changes, actor=actor, document=document, note=note, conflict_error=ValidationFailed, document_must_hold=True
    )


def stock_set_safety_stock(
    *, location: Location, sku: SKU, safety_stock: int, actor: Actor, document: DocumentRef = MANUAL
) -> StockLevel:
    """Set the units held back from available-to-promise at one location."""
    safety_stock = _whole_number(
        safety_stock, field_name="safety_stock", minimum=0, message="Safety stock must be 0 or more."
    )
    with transaction.atomic():
        level = _lock_levels([(location.pk, sku.pk)], create_missing=True)[(location.pk, sku.pk)]
        StockLevel.objects.filter(pk=level.pk).update(safety_stock=safety_stock)
        StockMovement.objects.create(
            location=location,
            sku=sku,
            kind=MovementKind.SAFETY_STOCK,
            on_hand_after=level.on_hand,
            reserved_after=level.reserved,
            in_transit_after=level.in_transit,
            quarantined_after=level.quarantined,
            note=f"Safety stock {level.safety_stock} → {safety_stock}",
            document_type=document.type,
            document_id=str(document.id),
            actor_id=actor_id(actor),
        )
        level.safety_stock = safety_stock
        stock_changes_record([(location.pk, sku.pk)])
        return level


def lines_by_sku_code(raw: Iterable[tuple[str, int]]) -> list[StockLine]:
    """Resolve (sku_code, quantity) pairs to StockLines, refusing unknown codes."""
    pairs = list(raw)
    codes = {code for code, _ in pairs}
    known = dict(SKU.objects.filter(code__in=codes).values_list("code", "pk"))
    unknown = sorted(codes - known.keys())
    if unknown:
        raise NotFound(f"Unknown SKU: {', '.join(unknown)}.", field="sku")
    return [StockLine(known[code], qty) for code, qty in pairs]
