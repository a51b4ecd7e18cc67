"""Which QC rule applies to units of a SKU at a location, and how many of them to inspect.

Pure: plain dataclasses in, an answer out (no ORM), so the choice is tested without a database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

EVERY_UNIT = "all"
UNITS = "units"
PERCENT = "percent"
INBOUND = "inbound"
BEFORE_SHIP = "before_ship"


@dataclass(frozen=True)
class RuleFacts:
    """What matching needs to know about one active rule."""

    rule_id: int
    sku_id: int | None
    location_ids: frozenset[int]
    min_unit_price: Decimal | None
    on_inbound: bool
    before_ship: bool
    sample_mode: str
    sample_size: int


def rule_applies(rule: RuleFacts, *, location_id: int, sku_id: int, unit_price: Decimal, trigger: str) -> bool:
    """True if the rule covers this SKU at this location for this moment (inbound or before shipping)."""
    if trigger == INBOUND and not rule.on_inbound:
        return False
    if trigger == BEFORE_SHIP and not rule.before_ship:
        return False
    if rule.sku_id is not None and rule.sku_id != sku_id:
        return False
    if rule.location_ids and location_id not in rule.location_ids:
        return False
    return rule.min_unit_price is None or unit_price >= rule.min_unit_price


def sample_quantity(mode: str, size: int, received: int) -> int:
    """Units to inspect out of `received`: all of them, N of them, or N percent rounded up (at least one)."""
    if received <= 0:
        return 0
    if mode == UNITS:
        return max(min(size, received), 1)
    if mode == PERCENT:
        share = math.ceil(received * min(max(size, 0), 100) / 100)
        return min(max(share, 1), received)
    return received


def best_rule(
    rules: Iterable[RuleFacts], *, location_id: int, sku_id: int, unit_price: Decimal, trigger: str, quantity: int
) -> RuleFacts | None:
    """The rule to follow: the most specific that applies (SKU and locations, SKU, locations, neither),
    then the one that inspects more of `quantity` units, then the oldest; None if no rule applies."""

    def rank(rule: RuleFacts) -> tuple[int, int, int]:
        specific = 2 * (rule.sku_id is not None) + bool(rule.location_ids)
        return (specific, sample_quantity(rule.sample_mode, rule.sample_size, quantity), -rule.rule_id)

    fitting = [
        rule
        for rule in rules
        if rule_applies(rule, location_id=location_id, sku_id=sku_id, unit_price=unit_price, trigger=trigger)
    ]
    return max(fitting, key=rank) if fitting else None
