"""Stock-changing services: receive, adjust, count, reserve, release, ship.

Every service here
- runs inside `transaction.atomic` and is all-or-nothing;
- locks the stock rows it touches with `select_for_update()` in primary-key order (so two
  services never deadlock on each other), then changes them with `F()` expressions;
- writes one ledger row (`StockMovement`) per (location, SKU) it changes, in the same
  transaction, with the deltas, the resulting levels, the actor, reason and document.

Refusals raise `core.errors` exceptions (ValidationFailed -> 400, InsufficientStock -> 409)
before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import F, Q

from core.errors import DomainError, InsufficientStock, NotFound, ValidationFailed
from inventory.models import (
    SKU,
    AdjustmentReason,
    Location,
    MovementKind,
    StockLevel,
    StockMovement,
)

Actor: TypeAlias = AbstractBaseUser | AnonymousUser | None


class DocumentRef(NamedTuple):
    """The business document a movement belongs to, e.g. ("order", "1042")."""

    type: str
    id: str


class StockLine(NamedTuple):
    """A quantity of one SKU."""

    sku_id: int
    quantity: int


@dataclass
class LevelChange:
    """What one service wants to do to one (location, SKU) level."""

    location_id: int
    sku_id: int
    kind: str
    on_hand: int = 0
    reserved: int = 0
    in_transit: int = 0
    needs_available: int = 0  # units that must be available-to-promise (reserve)
    reason_code: str = ""
    extra_note: str = ""
    errors: list[str] = field(default_factory=list)


MANUAL = DocumentRef("manual", "")
COUNT_DOCUMENT = DocumentRef("count", "")


def _actor_id(actor: Actor) -> int | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.pk


def _positive_quantity(quantity: object, *, field_name: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationFailed("Enter a whole number of units.", field=field_name)
    if quantity <= 0:
        raise ValidationFailed("Quantity must be at least 1.", field=field_name)
    return quantity


def _merge_lines(lines: Iterable[StockLine]) -> dict[int, int]:
    """Validate lines and add up repeated SKUs, keeping first-seen order."""
    merged: dict[int, int] = {}
    for index, line in enumerate(lines):
        quantity = _positive_quantity(line.quantity, field_name=f"lines[{index}].quantity")
        merged[line.sku_id] = merged.get(line.sku_id, 0) + quantity
    if not merged:
        raise ValidationFailed("Give at least one line.", field="lines")
    return merged


def _lock_levels(keys: Sequence[tuple[int, int]], *, create_missing: bool) -> dict[tuple[int, int], StockLevel]:
    """Lock the stock rows for (location_id, sku_id) keys in pk order; optionally create missing rows.

    Precondition: called inside `transaction.atomic`. Rows are created with
    ON CONFLICT DO NOTHING so two first receipts of a SKU at a location never collide.
    """
    if create_missing:
        StockLevel.objects.bulk_create(
            [StockLevel(location_id=loc, sku_id=sku) for loc, sku in keys], ignore_conflicts=True
        )
    match = Q()
    for location_id, sku_id in keys:
        match |= Q(location_id=location_id, sku_id=sku_id)
    rows = (
        StockLevel.objects.select_for_update(of=("self",))
        .select_related("sku", "location")
        .filter(match)
        .order_by("pk")
    )
    return {(row.location_id, row.sku_id): row for row in rows}


def _describe(level: StockLevel | None, location_id: int, sku_id: int) -> tuple[str, str]:
    if level is not None:
        return level.sku.code, level.location.code
    sku_code = SKU.objects.filter(pk=sku_id).values_list("code", flat=True).first() or f"#{sku_id}"
    location_code = Location.objects.filter(pk=location_id).values_list("code", flat=True).first() or f"#{location_id}"
    return sku_code, location_code


def _check(change: LevelChange, level: StockLevel | None) -> str | None:
    """Return a person-readable refusal for this change, or None if it may proceed."""
    sku_code, location_code = _describe(level, change.location_id, change.sku_id)
    on_hand = level.on_hand if level else 0
    reserved = level.reserved if level else 0
    in_transit = level.in_transit if level else 0
    safety = level.safety_stock if level else 0
    available = max(on_hand - reserved - safety, 0)
    if change.needs_available and change.needs_available > available:
        return f"{sku_code} at {location_code}: {change.needs_available} requested but only {available} available."
    new_on_hand = on_hand + change.on_hand
    new_reserved = reserved + change.reserved
    if new_reserved < 0:
        return f"{sku_code} at {location_code}: only {reserved} reserved, cannot release or ship {-change.reserved}."
    if new_on_hand < 0:
        return f"{sku_code} at {location_code}: only {on_hand} on hand, cannot remove {-change.on_hand}."
    if new_reserved > new_on_hand:
        return (
            f"{sku_code} at {location_code}: {reserved} units are reserved for orders, so on hand "
            f"cannot go below {reserved} (it would be {new_on_hand})."
        )
    if in_transit + change.in_transit < 0:
        return f"{sku_code} at {location_code}: only {in_transit} in transit."
    return None


def apply_level_changes(
    changes: Sequence[LevelChange],
    *,
    actor: Actor,
    document: DocumentRef,
    note: str = "",
    create_missing: bool = False,
    conflict_error: type[DomainError] = InsufficientStock,
) -> list[StockMovement]:
    """Apply changes to stock levels atomically and write the ledger rows.

    The one place where stock levels change. Locks every affected row in pk order, checks
    every change against the locked values, and refuses the whole batch (raising
    `conflict_error` listing every problem) if any change would break an invariant.
    """
    if not changes:
        return []
    with transaction.atomic():
        keys = sorted({(c.location_id, c.sku_id) for c in changes})
        levels = _lock_levels(keys, create_missing=create_missing)
        problems = [problem for c in changes if (problem := _check(c, levels.get((c.location_id, c.sku_id))))]
        if problems:
            raise conflict_error(" ".join(problems), details={"problems": problems})
        actor_id = _actor_id(actor)
        movements = []
        for change in changes:
            level = levels[(change.location_id, change.sku_id)]
            StockLevel.objects.filter(pk=level.pk).update(
                on_hand=F("on_hand") + change.on_hand,
                reserved=F("reserved") + change.reserved,
                in_transit=F("in_transit") + change.in_transit,
            )
            # The row is locked, so the values read under the lock plus the delta are exact.
            level.on_hand += change.on_hand
            level.reserved += change.reserved
            level.in_transit += change.in_transit
            movements.append(
                StockMovement(
                    location_id=change.location_id,
                    sku_id=change.sku_id,
                    kind=change.kind,
                    on_hand_delta=change.on_hand,
                    reserved_delta=change.reserved,
                    in_transit_delta=change.in_transit,
                    on_hand_after=level.on_hand,
                    reserved_after=level.reserved,
                    in_transit_after=level.in_transit,
                    reason_code=change.reason_code,
                    note=(change.extra_note or note)[:255],
                    document_type=document.type,
                    document_id=str(document.id),
                    actor_id=actor_id,
                )
            )
        return StockMovement.objects.bulk_create(movements)


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
    """Add received units to on hand (a purchase receipt, or a returned unit restocked)."""
    quantity = _positive_quantity(quantity)
    if kind not in (MovementKind.RECEIPT, MovementKind.RETURN_RESTOCK):
        raise ValidationFailed("A receipt is either a receipt or a return restock.", field="kind")
    _require_active(location)
    change = LevelChange(location.pk, sku.pk, kind, on_hand=quantity)
    return apply_level_changes([change], actor=actor, document=document, note=note, create_missing=True)[0]


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
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise ValidationFailed("Enter a non-zero whole number (negative to remove units).", field="delta")
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
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise ValidationFailed("Enter the counted quantity (0 or more).", field="counted")
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
    changes = [
        LevelChange(location.pk, sku_id, MovementKind.RESERVE, reserved=qty, needs_available=qty)
        for sku_id, qty in merged.items()
    ]
    return apply_level_changes(changes, actor=actor, document=document, note=note)


def stock_release(
    *,
    location: Location,
    lines: Sequence[StockLine],
    actor: Actor,
    document: DocumentRef,
    note: str = "",
) -> list[StockMovement]:
    """Release reserved units back to available-to-promise."""
    merged = _merge_lines(lines)
    changes = [LevelChange(location.pk, sku_id, MovementKind.RELEASE, reserved=-qty) for sku_id, qty in merged.items()]
    return apply_level_changes(changes, actor=actor, document=document, note=note, conflict_error=ValidationFailed)


def stock_ship(
    *,
    location: Location,
    lines: Sequence[StockLine],
    actor: Actor,
    document: DocumentRef,
    note: str = "",
) -> list[StockMovement]:
    """Ship reserved units: both on hand and reserved go down."""
    merged = _merge_lines(lines)
    changes = [
        LevelChange(location.pk, sku_id, MovementKind.SHIP, on_hand=-qty, reserved=-qty)
        for sku_id, qty in merged.items()
    ]
    return apply_level_changes(changes, actor=actor, document=document, note=note, conflict_error=ValidationFailed)


def stock_set_safety_stock(*, location: Location, sku: SKU, safety_stock: int, actor: Actor) -> StockLevel:
    """Set the units held back from available-to-promise at one location."""
    if isinstance(safety_stock, bool) or not isinstance(safety_stock, int) or safety_stock < 0:
        raise ValidationFailed("Safety stock must be 0 or more.", field="safety_stock")
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
            note=f"Safety stock {level.safety_stock} → {safety_stock}",
            document_type="manual",
            actor_id=_actor_id(actor),
        )
        level.safety_stock = safety_stock
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
