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

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Now

from core.errors import DomainError, InsufficientStock, NotFound, ValidationFailed
from core.types import Actor, actor_id
from inventory.models import (
    SKU,
    AdjustmentReason,
    Location,
    MovementKind,
    StockLevel,
    StockMovement,
)
from inventory.services.feed import (
    FEED_APPEND_CTE,
    feed_table,
    stock_changes_announce_on_commit,
    stock_changes_record,
)
from inventory.signals import stock_received


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
    if max(new_on_hand, now.in_transit + change.in_transit) > MAX_UNITS_PER_LEVEL:
        return f"a level cannot hold more than {MAX_UNITS_PER_LEVEL:,} units."
    return None


def _problems(changes: Sequence[LevelChange], levels: dict[tuple[int, int], StockLevel]) -> list[str]:
    """Check the changes in order against the locked levels; several changes to one level add up."""
    counts: dict[tuple[int, int], _Counts] = {}
    for key, level in levels.items():
        counts[key] = _Counts(level.on_hand, level.reserved, level.in_transit, level.safety_stock)
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
                updated_at=Now(),
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
                    actor_id=who,
                )
            )
        created = StockMovement.objects.bulk_create(movements)
        stock_changes_record((c.location_id, c.sku_id) for c in changes if c.on_hand or c.reserved)
        return created


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
        functools.partial(stock_received.send, sender=StockMovement, location_id=location.pk, sku_ids=[sku.pk])
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


_RESERVE_ONE_SQL = """
WITH level AS (
    UPDATE {levels}
       SET reserved = reserved + %(quantity)s, updated_at = now()
     WHERE location_id = %(location_id)s AND sku_id = %(sku_id)s
       AND on_hand - reserved - safety_stock >= %(quantity)s
 RETURNING location_id, sku_id, on_hand, reserved, in_transit
)
INSERT INTO {movements} (
    location_id, sku_id, kind, on_hand_delta, reserved_delta, in_transit_delta,
    on_hand_after, reserved_after, in_transit_after, reason_code, note,
    document_type, document_id, actor_id, created_at
)
SELECT location_id, sku_id, %(kind)s, 0, %(quantity)s, 0, on_hand, reserved, in_transit, '', %(note)s,
       %(document_type)s, %(document_id)s, %(actor_id)s, now()
  FROM level
RETURNING id, on_hand_after, reserved_after, in_transit_after, created_at
"""

# The same statement also appends the change to the stock change feed (INSERT-only), so the feed
# row commits with the level and the ledger row.
_RESERVE_ONE_WITH_FEED_SQL = (
    _RESERVE_ONE_SQL.replace("\n)\nINSERT INTO {movements}", "\n), movement AS (\nINSERT INTO {movements}", 1)
    + "), "
    + FEED_APPEND_CTE
    + "\nSELECT movement.* FROM movement"
)


def _reserve_one_in_one_statement(
    *, location_id: int, sku_id: int, quantity: int, actor_id: int | None, document: DocumentRef, note: str
) -> StockMovement | None:
    """PostgreSQL fast path for the commonest reservation: one SKU at one location.

    A conditional UPDATE (which takes the row lock and checks available-to-promise) and the
    ledger INSERT run as one statement, so they commit or fail together even outside a
    transaction, and the row is locked for one round trip only. Returns None when the
    level is missing or short; the caller then takes the general path, which explains why.
    """
    sql = _RESERVE_ONE_WITH_FEED_SQL.format(
        levels=connection.ops.quote_name(StockLevel._meta.db_table),
        movements=connection.ops.quote_name(StockMovement._meta.db_table),
        feed=feed_table(),
    )
    params: dict[str, int | str | None] = {
        "quantity": quantity,
        "location_id": location_id,
        "sku_id": sku_id,
        "kind": MovementKind.RESERVE.value,
        "note": note[:255],
        "document_type": document.type,
        "document_id": str(document.id),
        "actor_id": actor_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    movement_id, on_hand_after, reserved_after, in_transit_after, created_at = row
    stock_changes_announce_on_commit([(location_id, sku_id)])
    return StockMovement(
        id=movement_id,
        location_id=location_id,
        sku_id=sku_id,
        kind=MovementKind.RESERVE,
        reserved_delta=quantity,
        on_hand_after=on_hand_after,
        reserved_after=reserved_after,
        in_transit_after=in_transit_after,
        note=note[:255],
        document_type=document.type,
        document_id=str(document.id),
        actor_id=actor_id,
        created_at=created_at,
    )


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
