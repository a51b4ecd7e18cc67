"""Apply the drift report's proposed prices to the rate cards.

Each changed service's whole table goes through `rate_table_set`, so a proposal is checked
like a hand edit (a heavier bracket never cheaper than a lighter one) and the cached cost
model is forgotten after commit. Either every proposal lands or none does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from core.errors import Conflict, ValidationFailed
from fulfillment.models import CarrierService
from fulfillment.selectors import rate_table
from fulfillment.selectors.drift import pounds_text
from fulfillment.services.rates.tables import RateRowInput, rate_table_set

_CENT = Decimal("0.01")
_PRICE_FIELD = re.compile(r"^row(?P<row>\d+)_zone(?P<zone>\d+)$")


@dataclass(frozen=True)
class CardPriceChange:
    """One rate-card cell to reprice, with the price the report showed (to refuse a stale report)."""

    service_id: int
    zone: int
    max_weight_grams: int
    old_price: Decimal
    new_price: Decimal


@dataclass(frozen=True)
class AppliedPrice:
    """A cell that was repriced, named as staff read it."""

    carrier_name: str
    service_name: str
    zone: int
    max_weight_grams: int
    old_price: Decimal
    new_price: Decimal

    def describe(self) -> str:
        """e.g. "Parcelway Ground, zone 3, up to 2 lb: $8.00 -> $9.60"."""
        weight = pounds_text(self.max_weight_grams)
        return (
            f"{self.carrier_name} {self.service_name}, zone {self.zone}, up to {weight} lb: "
            f"${self.old_price} → ${self.new_price}"
        )


def _place(service: CarrierService, rows: Sequence[RateRowInput], field: str) -> str:
    found = _PRICE_FIELD.match(field)
    if found and int(found["row"]) < len(rows):
        grams = rows[int(found["row"])].max_weight_grams
        return f"{service.carrier.name} {service.name}, zone {found['zone']}, up to {pounds_text(grams)} lb"
    return f"{service.carrier.name} {service.name}"


def rate_card_prices_apply(*, changes: Sequence[CardPriceChange]) -> list[AppliedPrice]:
    """Set each cell to its new price, through each service's rate table; all or nothing.

    The services are locked (in primary-key order) before their tables are read, so the check
    that each cell still holds the price the report showed and the write are one step. Raises
    `Conflict` when a cell changed since (or is gone), `ValidationFailed` when a new price
    would break the table's rules (naming the cell and the reason).
    """
    if not changes:
        raise ValidationFailed("Nothing to apply: no card price drifts.", field=None)
    by_service: dict[int, dict[tuple[int, int], CardPriceChange]] = {}
    for change in changes:
        by_service.setdefault(change.service_id, {})[(change.max_weight_grams, change.zone)] = change
    applied: list[AppliedPrice] = []
    with transaction.atomic():
        services = list(
            CarrierService.objects.select_for_update(of=("self",))
            .select_related("carrier")
            .filter(pk__in=by_service)
            .order_by("pk")
        )
        if len(services) != len(by_service):
            raise Conflict("A carrier service in the report was deleted meanwhile: reload the report.")
        for service in services:
            applied.extend(_apply_to_service(service, by_service[service.pk]))
    return applied


def _apply_to_service(service: CarrierService, changes: dict[tuple[int, int], CardPriceChange]) -> list[AppliedPrice]:
    table = rate_table(service=service)
    applied = []
    prices = dict(table.prices)
    for (grams, zone), change in sorted(changes.items()):
        current = prices.get((grams, zone))
        place = f"{service.carrier.name} {service.name}, zone {zone}, up to {pounds_text(grams)} lb"
        if current is None:
            raise Conflict(f"{place} is no longer on the rate card: reload the report.")
        if current != change.old_price:
            raise Conflict(
                f"{place} is now ${current}, not ${change.old_price} as the report showed: reload the report."
            )
        new_price = change.new_price.quantize(_CENT, rounding=ROUND_HALF_UP)
        prices[(grams, zone)] = new_price
        applied.append(
            AppliedPrice(
                carrier_name=service.carrier.name,
                service_name=service.name,
                zone=zone,
                max_weight_grams=grams,
                old_price=current,
                new_price=new_price,
            )
        )
    rows = [
        RateRowInput(
            max_weight_grams=grams,
            prices={zone: price for (weight, zone), price in sorted(prices.items()) if weight == grams},
        )
        for grams in table.weights
    ]
    try:
        rate_table_set(service=service, rows=rows, transit_days=dict(table.transit))
    except ValidationFailed as exc:
        problems = exc.details.get("problems") or [{"field": exc.field or "", "message": exc.message}]
        first = problems[0]
        raise ValidationFailed(
            f"{_place(service, rows, first['field'])}: {first['message']} Nothing was changed; "
            "fix the rate table by hand or wait for more labels.",
            details={"problems": problems},
        ) from exc
    return applied
