"""Distances, zones, ship and delivery dates, and the cost model compiled to float cents.

Money is computed in float cents internally (fast) and rounded to `Decimal` cents only when a
plan is reported (`cents_to_decimal`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Concatenate, ParamSpec
from zoneinfo import ZoneInfo

import numpy as np

from .types import SERVICE_LEVELS, CostModel

EARTH_RADIUS_MILES = 3958.8
P = ParamSpec("P")
_CENT = Decimal("0.01")
_SUNDAY = 6
_ONE_DAY = timedelta(days=1)


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles between two points given in degrees (same as `core.geo`)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = math.radians(lat2 - lat1)
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))


def haversine_miles_many(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Vectorised `haversine_miles` from one point to many."""
    phi1 = math.radians(lat)
    phi2 = np.radians(lats)
    dphi = phi2 - phi1
    dlambda = np.radians(lons) - math.radians(lon)
    a = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.minimum(a, 1.0))))


def zone_for_miles(miles: float, zone_bands: Sequence[tuple[float, int]]) -> int:
    """USPS-style zone of a distance: the first band whose `max_miles` covers it, else 8."""
    for max_miles, zone in zone_bands:
        if miles <= max_miles:
            return zone
    return 8


@lru_cache(maxsize=512)
def _zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def ship_date(placed_at: datetime, timezone: str, cutoff_local: time | None) -> date:
    """The day a location ships an order placed at `placed_at`.

    Today in the location's time zone if the order arrives before its cut-off (or it has
    none), else the next day; a Sunday moves to Monday (locations do not ship on Sundays).
    """
    if placed_at.tzinfo is None:
        raise ValueError("placed_at must be timezone-aware")
    local = placed_at.astimezone(_zone_info(timezone or "UTC"))
    day = local.date()
    if cutoff_local is not None and local.time() >= cutoff_local:
        day += _ONE_DAY
    if day.weekday() == _SUNDAY:
        day += _ONE_DAY
    return day


def add_transit_days(day: date, days: int) -> date:
    """`day` plus `days` delivery days, Monday to Saturday (Sundays are skipped)."""
    for _ in range(days):
        day += _ONE_DAY
        if day.weekday() == _SUNDAY:
            day += _ONE_DAY
    return day


def late_days(delivery: date, promised_by: date | None) -> int:
    """Calendar days a delivery is after the promised date (0 if on time or no promise)."""
    if promised_by is None:
        return 0
    return max(0, (delivery - promised_by).days)


def cents(amount: Decimal | float | int) -> float:
    """Dollars to float cents."""
    return float(amount) * 100.0


def cents_to_decimal(value: float) -> Decimal:
    """Float cents to `Decimal` dollars rounded half-up to the cent."""
    return (Decimal(repr(round(value, 6))) / 100).quantize(_CENT, rounding=ROUND_HALF_UP)


def service_rank(service: str) -> int:
    """Position of a service level in `SERVICE_LEVELS` (ValueError if unknown)."""
    try:
        return SERVICE_LEVELS.index(service)
    except ValueError:
        raise ValueError(f"unknown service level {service!r}; expected one of {', '.join(SERVICE_LEVELS)}") from None


@dataclass(frozen=True, slots=True)
class CompiledCard:
    """A rate card on the model's weight grid: price in cents per (zone, weight bracket)."""

    index: int
    carrier: str
    service: str
    rank: int
    transit: dict[int, int]
    grid_prices: dict[int, np.ndarray]


@dataclass(frozen=True, slots=True)
class CompiledCostModel:
    """A `CostModel` in float cents with every rate card laid on one weight grid.

    `breaks` are the upper weights (grams) of the grid's brackets: the union of every card's
    bracket limits, so a card's price is constant inside each grid bracket. With no rate
    card the grid is one bracket without limit.
    """

    model: CostModel
    breaks: np.ndarray
    cards: tuple[CompiledCard, ...]
    handling: dict[str, float]
    package: float
    per_unit_base: float
    per_unit_per_mile: float
    late_per_day: float
    backorder: float

    def bracket_of(self, weight_grams: float) -> int:
        """Index (0-based) of the grid bracket holding this weight; len(breaks) if too heavy."""
        return int(np.searchsorted(self.breaks, weight_grams, side="left"))


_compiled: dict[int, CompiledCostModel] = {}


def compile_cost_model(model: CostModel) -> CompiledCostModel:
    """Compile (and cache, by identity) a cost model to float cents on one weight grid."""
    found = _compiled.get(id(model))
    if found is not None and found.model is model:
        return found
    limits = sorted({int(limit) for card in model.rate_cards for rows in card.rates.values() for limit, _ in rows})
    breaks = np.array([*limits], dtype=float) if limits else np.array([math.inf])
    cards = []
    for index, card in enumerate(model.rate_cards):
        grid: dict[int, np.ndarray] = {}
        for zone, rows in card.rates.items():
            ordered = sorted((int(limit), cents(price)) for limit, price in rows)
            row_limits = np.array([limit for limit, _ in ordered], dtype=float)
            prices = np.array([price for _, price in ordered] + [math.inf])
            grid[int(zone)] = prices[np.searchsorted(row_limits, breaks, side="left")]
        cards.append(
            CompiledCard(
                index=index,
                carrier=card.carrier,
                service=card.service,
                rank=service_rank(card.level),
                transit={int(zone): int(days) for zone, days in card.transit_days.items()},
                grid_prices=grid,
            )
        )
    compiled = CompiledCostModel(
        model=model,
        breaks=breaks,
        cards=tuple(cards),
        handling={kind: cents(amount) for kind, amount in model.handling_by_kind.items()},
        package=cents(model.package_cost),
        per_unit_base=cents(model.per_unit_base),
        per_unit_per_mile=cents(model.per_unit_per_mile),
        late_per_day=cents(model.late_penalty_per_day),
        backorder=cents(model.backorder_penalty_per_unit),
    )
    if len(_compiled) > 64:
        _compiled.clear()
    _compiled[id(model)] = compiled
    return compiled


@dataclass(frozen=True, slots=True)
class CarrierCosts:
    """For one (zone, ship date): the cheapest carrier option per weight bracket.

    `price[k]` is carrier price plus late penalty (cents) for a parcel in bracket k (inf if
    no card can carry it); `late[k]` the late-penalty part; `option[k]` indexes `options`,
    each `(carrier, service, transit_days, estimated_delivery, late_days)`.
    """

    price: np.ndarray
    late: np.ndarray
    option: np.ndarray
    options: tuple[tuple[str, str, int, date, int], ...]


_SHARED_LIMIT = 4096


def _shared_per_model(
    compute: Callable[Concatenate[CompiledCostModel, P], CarrierCosts],
) -> Callable[Concatenate[CompiledCostModel, P], CarrierCosts]:
    """Compute each answer once per process and share it, its arrays read-only.

    For a function of a compiled model (which never changes) and plain values: the answer
    depends on them alone. Each answer is kept with the model it was computed for, so a model's
    id reused by another after it was freed cannot match (the memo holds the model alive).
    """
    memo: dict[tuple, tuple[CompiledCostModel, CarrierCosts]] = {}

    @functools.wraps(compute)
    def shared(compiled: CompiledCostModel, /, *args: P.args, **kwargs: P.kwargs) -> CarrierCosts:
        # keywords in the order given: a caller naming them in another order gets an entry of its own
        key = (id(compiled), args, tuple(kwargs.items()))
        found = memo.get(key)
        if found is not None and found[0] is compiled:
            return found[1]
        costs = compute(compiled, *args, **kwargs)
        for array in (costs.price, costs.late, costs.option):
            array.flags.writeable = False  # shared by every caller: none may change another's
        if len(memo) >= _SHARED_LIMIT:
            memo.clear()
        memo[key] = (compiled, costs)
        return costs

    return shared


@_shared_per_model
def carrier_costs(
    compiled: CompiledCostModel,
    /,
    *,
    zone: int,
    shipped_on: date,
    service: str,
    promised_by: date | None,
    brackets: int,
    extra_transit_days: int = 0,
) -> CarrierCosts:
    """Cheapest card (price + late penalty) per weight bracket for a parcel shipped on a day to a zone.

    Cards of the requested level qualify, and faster ones too if the model allows upgrades.
    Among equal costs the faster card wins, then the card listed first. `extra_transit_days`
    (abroad: customs) lengthen every card's transit alike. A day's orders ask for a few dozen
    distinct answers (zones x ship dates x levels): each is computed once per process.
    """
    rank = service_rank(service)
    model = compiled.model
    if not compiled.cards:
        transit = model.fallback_transit_days[min(max(zone, 1), len(model.fallback_transit_days)) - 1]
        transit += extra_transit_days
        delivery = add_transit_days(shipped_on, transit)
        days_late = late_days(delivery, promised_by)
        penalty = days_late * compiled.late_per_day
        return CarrierCosts(
            price=np.full(brackets, penalty),
            late=np.full(brackets, penalty),
            option=np.zeros(brackets, dtype=np.int64),
            options=(("", service, transit, delivery, days_late),),
        )
    rows = []
    lates = []
    options = []
    usable = [
        card
        for card in compiled.cards
        if (card.rank == rank or (model.allow_upgrade and card.rank > rank))
        and zone in card.transit
        and zone in card.grid_prices
    ]
    usable.sort(key=lambda card: (card.transit[zone], card.index))
    for card in usable:
        transit = card.transit[zone] + extra_transit_days
        delivery = add_transit_days(shipped_on, transit)
        days_late = late_days(delivery, promised_by)
        penalty = days_late * compiled.late_per_day
        rows.append(card.grid_prices[zone][:brackets] + penalty)
        lates.append(penalty)
        options.append((card.carrier, card.service, transit, delivery, days_late))
    if not rows:
        return CarrierCosts(
            price=np.full(brackets, math.inf),
            late=np.zeros(brackets),
            option=np.zeros(brackets, dtype=np.int64),
            options=(),
        )
    stacked = np.vstack(rows)
    best = np.argmin(stacked, axis=0)
    price = stacked[best, np.arange(stacked.shape[1])]
    late = np.array(lates)[best]
    return CarrierCosts(price=price, late=late, option=best, options=tuple(options))
