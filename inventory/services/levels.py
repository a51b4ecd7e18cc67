"""The shared write path for stock levels: `apply_level_changes` and what it is made of.

`apply_level_changes` is the one place where stock levels change. It
- runs inside `transaction.atomic` and is all-or-nothing;
- locks the stock rows it touches with `select_for_update()` in primary-key order (so two
  writers never deadlock on each other), then changes them with `F()` expressions;
- writes one ledger row (`StockMovement`) per (location, SKU) it changes, in the same
  transaction, with the deltas, the resulting levels, the actor, reason and document;
- appends the changed pairs to the stock change feed in the same transaction.

Also here: the value types the services take (`DocumentRef`, `StockLine`, `LevelChange`) and
the quantity checks every service applies before it writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Now

from core.errors import DomainError, InsufficientStock, ValidationFailed
from core.types import Actor, actor_id
from inventory.models import SKU, Location, StockLevel, StockMovement
from inventory.services.feed import stock_changes_record


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
    quarantined: int = 0
    needs_available: int = 0  # units that must be available-to-promise (reserve)
    reason_code: str = ""
    extra_note: str = ""
    errors: list[str] = field(default_factory=list)


MAX_UNITS_PER_OPERATION = 10_000_000
MAX_UNITS_PER_LEVEL = 2_000_000_000  # the database stores levels as 32-bit integers


def _whole_number(value: object, *, field_name: str, minimum: int, message: str) -> int:
    """Refuse booleans, non-integers, values under `minimum` and absurdly large values (a scanned barcode)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("Enter a whole number of units.", field=field_name)
    if value < minimum:
        raise ValidationFailed(message, field=field_name)
    if abs(value) > MAX_UNITS_PER_OPERATION:
        raise ValidationFailed(f"At most {MAX_UNITS_PER_OPERATION:,} units at a time.", field=field_name)
    return value


def _positive_quantity(quantity: object, *, field_name: str = "quantity") -> int:
    return _whole_number(quantity, field_name=field_name, minimum=1, message="Quantity must be at least 1.")


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
    skus_by_location: dict[int, set[int]] = {}
    for location_id, sku_id in keys:
        skus_by_location.setdefault(location_id, set()).add(sku_id)
    match = Q()
    for location_id, sku_ids in skus_by_location.items():
        match |= Q(location_id=location_id, sku_id__in=sorted(sku_ids))
    rows = StockLevel.objects.select_for_update().filter(match).order_by("pk")
    return {(row.location_id, row.sku_id): row for row in rows}


def _codes(location_id: int, sku_id: int) -> str:
    """'SKU at LOCATION' for a refusal message (only read when something is refused)."""
    sku_code = SKU.objects.filter(pk=sku_id).values_list("code", flat=True).first() or f"#{sku_id}"
    location_code = Location.objects.filter(pk=location_id).values_list("code", flat=True).first() or f"#{location_id}"
    return f"{sku_code} at {location_code}"


@dataclass
class _Counts:
    on_hand: int = 0
    reserved: int = 0
    in_transit: int = 0
    safety_stock: int = 0
    quarantined: int = 0


def _refusal(change: LevelChange, now: _Counts) -> str | None:
    """Why this change may not be applied to the current counts, or None if it may."""
    available = max(now.on_hand - now.reserved - now.safety_stock, 0)
    if change.needs_available and change.needs_available > available:
        return f"{change.needs_available} requested but only {available} available."
    new_on_hand = now.on_hand + change.on_hand
    new_reserved = now.reserved + change.reserved
    if new_reserved < 0:
        return f"only {now.reserved} reserved, cannot release or ship {-change.reserved}."
    if new_on_hand < 0:
        return f"only {now.on_hand} on hand, cannot remove {-change.on_hand}."
    if new_reserved > new_on_hand:
        return (
            f"{now.reserved} units are reserved for orders, so on hand cannot go below {now.reserved} "
            f"(it would be {new_on_hand})."
        )
    if now.in_transit + change.in_transit < 0:
        return f"only {now.in_transit} in transit."
    if now.quarantined + change.quarantined < 0:
        return f"only {now.quarantined} in quarantine, cannot take {-change.quarantined} out."
    if max(new_on_hand, now.in_transit + change.in_transit, now.quarantined + change.quarantined) > MAX_UNITS_PER_LEVEL:
        return f"a level cannot hold more than {MAX_UNITS_PER_LEVEL:,} units."
    return None


def _problems(changes: Sequence[LevelChange], levels: dict[tuple[int, int], StockLevel]) -> list[str]:
    """Check the changes in order against the locked levels; several changes to one level add up."""
    counts: dict[tuple[int, int], _Counts] = {}
    for key, level in levels.items():
        counts[key] = _Counts(level.on_hand, level.reserved, level.in_transit, level.safety_stock, level.quarantined)
    problems = []
    for change in changes:
        now = counts.setdefault((change.location_id, change.sku_id), _Counts())
        refusal = _refusal(change, now)
        if refusal:
            problems.append(f"{_codes(change.location_id, change.sku_id)}: {refusal}")
            continue
        now.on_hand += change.on_hand
        now.reserved += change.reserved
        now.in_transit += change.in_transit
        now.quarantined += change.quarantined
    return problems


def _held_by_document(document: DocumentRef, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Units the document holds reserved per (location, SKU): the sum of its ledger reserved deltas.

    Precondition: the levels are locked, so no movement of this document can be added meanwhile.
    """
    location_ids = {loc for loc, _ in keys}
    sku_ids = {sku for _, sku in keys}
    rows = (
        StockMovement.objects.filter(
            document_type=document.type,
            document_id=str(document.id),
            location_id__in=location_ids,
            sku_id__in=sku_ids,
        )
        .values("location_id", "sku_id")
        .annotate(held=Sum("reserved_delta"))
    )
    return {(row["location_id"], row["sku_id"]): row["held"] or 0 for row in rows}


def _not_held(changes: Sequence[LevelChange], document: DocumentRef) -> list[str]:
    """Refusals for releases or shipments of units this document never reserved."""
    taking = [c for c in changes if c.reserved < 0]
    if not taking:
        return []
    held = _held_by_document(document, [(c.location_id, c.sku_id) for c in taking])
    problems = []
    for change in taking:
        holds = held.get((change.location_id, change.sku_id), 0)
        if -change.reserved > holds:
            where = _codes(change.location_id, change.sku_id)
            problems.append(f"{where}: {document.type} {document.id} holds {holds} reserved, not {-change.reserved}.")
    return problems


def apply_level_changes(
    changes: Sequence[LevelChange],
    *,
    actor: Actor,
    document: DocumentRef,
    note: str = "",
    create_missing: bool = False,
    conflict_error: type[DomainError] = InsufficientStock,
    document_must_hold: bool = False,
) -> list[StockMovement]:
    """Apply changes to stock levels atomically and write the ledger rows.

    The one place where stock levels change. Locks every affected row in pk order, checks
    every change against the locked values, and refuses the whole batch (raising
    `conflict_error` listing every problem) if any change would break an invariant. With
    `document_must_hold`, units can only leave `reserved` if this document reserved them.
    """
    if not changes:
        return []
    with transaction.atomic():
        keys = sorted({(c.location_id, c.sku_id) for c in changes})
        levels = _lock_levels(keys, create_missing=create_missing)
        problems = _problems(changes, levels)
        if document_must_hold and not problems:
            problems = _not_held(changes, document)
        if problems:
            raise conflict_error(" ".join(problems), details={"problems": problems})
        who = actor_id(actor)
        movements = []
        for change in changes:
            level = levels[(change.location_id, change.sku_id)]
            StockLevel.objects.filter(pk=level.pk).update(
                on_hand=F("on_hand") + change.on_hand,
                reserved=F("reserved") + change.reserved,
                in_transit=F("in_transit") + change.in_transit,
                quarantined=F("quarantined") + change.quarantined,
                updated_at=Now(),
            )
            # The row is locked, so the values read under the lock plus the delta are exact.
            level.on_hand += change.on_hand
            level.reserved += change.reserved
            level.in_transit += change.in_transit
            level.quarantined += change.quarantined
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
                    quarantined_delta=change.quarantined,
                    quarantined_after=level.quarantined,
                    reason_code=change.reason_code,
                    note=(change.extra_note or note)[:255],
                    document_type=document.type,
                    document_id=str(document.id),
                    actor_id=who,
                )
            )
        created = StockMovement.objects.bulk_create(movements)
        stock_changes_record((c.location_id, c.sku_id) for c in changes if c.on_hand or c.reserved)
        return created
