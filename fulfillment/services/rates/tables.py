"""Rate tables: a service's price per weight bracket and zone, and its transit days per zone.

A rate table is checked whole: `rate_table_set` reports every bad cell (in
`details["problems"]`) and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from core.errors import ValidationFailed
from fulfillment.models import CarrierService, RateCardRow, TransitTime
from fulfillment.services.rates.common import (
    GRAMS_PER_POUND,
    MAX_BRACKET_GRAMS,
    MAX_PRICE,
    MAX_TRANSIT_DAYS,
    ZONES,
    after_commit_forget,
)

# --- Field names of a rate table's cells (the grid form uses the same names) ----------------


def weight_field(row: int) -> str:
    """The input holding row `row`'s upper weight."""
    return f"row{row}_weight"


def price_field(row: int, zone: int) -> str:
    """The input holding row `row`'s price in `zone`."""
    return f"row{row}_zone{zone}"


def transit_field(zone: int) -> str:
    """The input holding the transit days to `zone`."""
    return f"transit_zone{zone}"


@dataclass(frozen=True)
class RateRowInput:
    """One weight bracket of a rate table: up to `max_weight_grams`, the price per zone.

    A zone missing from `prices` has no bracket at this weight (parcels of this weight go at
    the zone's next heavier bracket, if any).
    """

    max_weight_grams: int
    prices: Mapping[int, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """One bad cell of a rate table."""

    field: str
    message: str


@dataclass(frozen=True)
class RateTableSummary:
    """What a saved rate table holds."""

    brackets: int
    cells: int
    zones: tuple[int, ...]


def _pounds(grams: int) -> str:
    return f"{Decimal(grams) / GRAMS_PER_POUND:.2f}".rstrip("0").rstrip(".")


def rate_table_problems(rows: Sequence[RateRowInput], transit_days: Mapping[int, int | None]) -> list[Problem]:
    """Every reason a rate table would be refused, cell by cell (empty: it is fine).

    Row indexes in field names are positions in `rows`, so a form can point at its own cells.
    """
    problems: list[Problem] = []
    seen_weights: dict[int, int] = {}
    for index, row in enumerate(rows):
        if not 1 <= row.max_weight_grams <= MAX_BRACKET_GRAMS:
            problems.append(Problem(weight_field(index), "Enter a weight above 0 and up to 150 lb."))
        elif row.max_weight_grams in seen_weights:
            other = seen_weights[row.max_weight_grams] + 1
            problems.append(
                Problem(weight_field(index), f"Row {other} already has this weight; each weight appears once.")
            )
        else:
            seen_weights[row.max_weight_grams] = index
        for zone, price in row.prices.items():
            if zone not in ZONES:
                problems.append(Problem(price_field(index, zone), "Zones run from 1 to 8."))
            elif not Decimal(0) <= price <= MAX_PRICE:
                problems.append(Problem(price_field(index, zone), f"Enter a price from 0.00 to {MAX_PRICE}."))
            elif price != price.quantize(Decimal("0.01")):
                problems.append(Problem(price_field(index, zone), "Prices have at most two decimals (cents)."))
        if not row.prices:
            problems.append(Problem(price_field(index, 1), "This weight has no price in any zone: fill or clear it."))
    if not rows:
        problems.append(Problem(weight_field(0), "Enter at least one weight bracket with its prices."))
    problems.extend(_monotonic_problems(rows))
    problems.extend(_transit_problems(rows, transit_days))
    return problems


def _monotonic_problems(rows: Sequence[RateRowInput]) -> list[Problem]:
    """A heavier parcel never costs less in the same zone: that is almost always a typo."""
    problems = []
    order = sorted(range(len(rows)), key=lambda i: rows[i].max_weight_grams)
    for zone in ZONES:
        previous: tuple[int, Decimal] | None = None
        for index in order:
            price = rows[index].prices.get(zone)
            if price is None:
                continue
            if previous is not None and price < previous[1]:
                lighter = _pounds(rows[previous[0]].max_weight_grams)
                problems.append(
                    Problem(
                        price_field(index, zone),
                        f"Costs less than the lighter {lighter} lb bracket ({previous[1]}); heavier parcels "
                        "cannot be cheaper.",
                    )
                )
            previous = (index, price)
    return problems


def _transit_problems(rows: Sequence[RateRowInput], transit_days: Mapping[int, int | None]) -> list[Problem]:
    problems = []
    priced_zones = {zone for row in rows for zone in row.prices}
    for zone in ZONES:
        days = transit_days.get(zone)
        if days is not None and not 0 <= days <= MAX_TRANSIT_DAYS:
            problems.append(Problem(transit_field(zone), f"Enter 0 to {MAX_TRANSIT_DAYS} days (0: same day)."))
        elif days is None and zone in priced_zones:
            problems.append(Problem(transit_field(zone), f"Zone {zone} has prices: enter its transit days."))
        elif days is not None and zone not in priced_zones:
            problems.append(
                Problem(transit_field(zone), f"Zone {zone} has no prices: clear its transit days or add prices.")
            )
    return problems


def rate_table_set(
    *, service: CarrierService, rows: Sequence[RateRowInput], transit_days: Mapping[int, int | None]
) -> RateTableSummary:
    """Replace a service's whole rate table and transit days, or change nothing.

    Every cell is checked first; if any is wrong, `ValidationFailed` carries all the problems
    in `details["problems"]` (each `{"field", "message"}`) and nothing is written. The
    service row is locked so two people saving the same table do not interleave.
    """
    problems = rate_table_problems(rows, transit_days)
    if problems:
        count = len(problems)
        raise ValidationFailed(
            f"{count} cell{'s' if count != 1 else ''} of the rate table need{'s' if count == 1 else ''} fixing; "
            "nothing was saved.",
            field=problems[0].field,
            details={"problems": [{"field": p.field, "message": p.message} for p in problems]},
        )
    cells = [
        RateCardRow(service_id=service.pk, zone=zone, max_weight_grams=row.max_weight_grams, price=price)
        for row in rows
        for zone, price in sorted(row.prices.items())
    ]
    transit = [
        TransitTime(service_id=service.pk, zone=zone, days=days)
        for zone, days in sorted(transit_days.items())
        if days is not None
    ]
    with transaction.atomic():
        CarrierService.objects.select_for_update().filter(pk=service.pk).first()
        RateCardRow.objects.filter(service_id=service.pk).delete()
        TransitTime.objects.filter(service_id=service.pk).delete()
        RateCardRow.objects.bulk_create(cells)
        TransitTime.objects.bulk_create(transit)
        after_commit_forget()
    return RateTableSummary(brackets=len(rows), cells=len(cells), zones=tuple(sorted({cell.zone for cell in cells})))
