"""Set a location's on hand for many SKUs at once from what someone else counted (a supplier's feed).

The batch form of `stock_count`, on the same path: the levels are locked in primary-key
order, the variance of each SKU becomes one ledger row (`apply_level_changes`), all in one
transaction. The difference is what happens below the reserved quantity: a count refuses it,
but a partner's feed cannot be sent back, so on hand is set to the reserved quantity (units
promised to orders are never taken away) and the result says so.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from core.errors import ValidationFailed
from core.types import Actor
from inventory.models import Location, MovementKind, StockMovement
from inventory.services.levels import (
    DocumentRef,
    LevelChange,
    StockLine,
    _codes,
    _lock_levels,
    _whole_number,
    apply_level_changes,
)
from inventory.signals import stock_received

#: The movement kinds that set on hand to a counted figure.
COUNT_KINDS = (MovementKind.COUNT, MovementKind.SUPPLIER_FEED)


@dataclass(frozen=True)
class HeldBack:
    """A SKU whose reported quantity was below what orders hold reserved: on hand stayed at `set_to`."""

    sku_id: int
    reported: int
    set_to: int


@dataclass(frozen=True)
class OnHandSet:
    """What `stock_set_on_hand` wrote: one ledger row per SKU that changed, and the SKUs held back."""

    movements: list[StockMovement] = field(default_factory=list)
    held_back: list[HeldBack] = field(default_factory=list)


def stock_set_on_hand(
    *,
    location: Location,
    counts: Sequence[StockLine],
    actor: Actor,
    document: DocumentRef,
    kind: str = MovementKind.SUPPLIER_FEED,
    note: str = "",
    counted_against: Mapping[int, int] | None = None,
    refuse_below_reserved: bool = False,
    notes: Mapping[int, str] | None = None,
) -> OnHandSet:
    """On hand of each SKU at `location` becomes its counted quantity, through the ledger, all or nothing.

    `counts` holds (sku_id, quantity) pairs, quantity 0 or more; a SKU given twice is refused.
    A SKU whose level does not change writes nothing. A quantity below the units reserved
    there sets on hand to the reserved quantity instead (listed in `held_back`). After
    commit, SKUs whose on hand went up are announced with `inventory.signals.stock_received`
    (kind = `kind`), so orders waiting for them are routed again.

    A count taken earlier (a count session's line) gives `counted_against`: the on hand the
    system had when each SKU was counted. Its variance (counted - that figure) is then applied
    to on hand now, so units that moved since the count (shipped, received) are kept.
    `refuse_below_reserved` refuses, instead of holding back, a SKU that would go below its
    reserved units (or below 0), naming each one: a count cannot take away units promised to
    orders. `notes` gives a SKU its own ledger note (a supervisor's reason).
    """
    if kind not in COUNT_KINDS:
        raise ValidationFailed("On hand is set by a cycle count or a supplier feed.", field="kind")
    wanted: dict[int, int] = {}
    for index, line in enumerate(counts):
        quantity = _whole_number(
            line.quantity, field_name=f"counts[{index}].quantity", minimum=0, message="A quantity is 0 or more."
        )
        if line.sku_id in wanted:
            raise ValidationFailed("Each SKU is given once.", field=f"counts[{index}].sku")
        wanted[line.sku_id] = quantity
    if not wanted:
        return OnHandSet()
    with transaction.atomic():
        levels = _lock_levels([(location.pk, sku_id) for sku_id in sorted(wanted)], create_missing=True)
        changes: list[LevelChange] = []
        held_back: list[HeldBack] = []
        raised: dict[int, int] = {}
        refused: list[str] = []
        for sku_id, reported in wanted.items():
            level = levels[(location.pk, sku_id)]
            was = level.on_hand
            wanted_on_hand = reported
            if counted_against is not None and sku_id in counted_against:
                was = counted_against[sku_id]
                wanted_on_hand = level.on_hand + reported - was
            target = max(wanted_on_hand, level.reserved)
            if target != wanted_on_hand:
                if refuse_below_reserved:
                    refused.append(
                        f"{_codes(location.pk, sku_id)}: on hand would be {wanted_on_hand}, "
                        f"but {level.reserved} are reserved for orders; release or re-route them first."
                    )
                    continue
                held_back.append(HeldBack(sku_id, reported, target))
            variance = target - level.on_hand
            if variance == 0:
                continue
            if variance > 0:
                raised[sku_id] = variance
            # A count taken earlier shows its own variance; a figure set now shows the change it makes.
            shown = reported - was if was != level.on_hand else variance
            default_note = f"Reported {reported}, system had {was} (variance {shown:+d})."
            changes.append(
                LevelChange(
                    location.pk,
                    sku_id,
                    kind,
                    on_hand=variance,
                    reason_code=kind,
                    extra_note=(notes or {}).get(sku_id) or note or default_note,
                )
            )
        if refused:
            raise ValidationFailed(" ".join(refused), field="counts", details={"problems": refused})
        movements = apply_level_changes(changes, actor=actor, document=document, conflict_error=ValidationFailed)
        if raised:
            transaction.on_commit(
                functools.partial(
                    stock_received.send,
                    sender=StockMovement,
                    location_id=location.pk,
                    sku_ids=sorted(raised),
                    quantities=raised,
                    kind=kind,
                    document_type=document.type,
                    document_id=str(document.id),
                    source_location_id=None,
                )
            )
    return OnHandSet(movements=movements, held_back=held_back)
