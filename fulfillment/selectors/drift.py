"""Rate-card drift: what routing's rate cards say a label costs, against what labels actually cost.

Routing prices shipments from the merchant's rate cards; labels are bought at live rates. For
every box labelled in the last days this prices the box the way routing would, with the
engine's own functions on the cost model routing uses (distance from the shipping location to
the customer -> zone by the distance bands, the box's weight -> the card's weight bracket, the
compiled card's price there), and groups boxes by the card cell that priced them. A cell with
enough labels whose median paid differs from the card by more than the threshold gets a
proposed price: the median paid. A proposal the rate table would refuse (a heavier bracket
cheaper than a lighter one, the rule `rate_table_set` enforces) is marked with the reason, so
staff apply the others and fix that one by hand.

Each box is priced on its own: routing plans a shipment as one parcel, but every box of a
multi-box shipment is a label of its own, at its own weight.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from core.geo import geocode_postal_code
from fulfillment.models import CarrierService, Package, PackageStatus
from fulfillment.routing.costs import cents_to_decimal, compile_cost_model, haversine_miles, zone_for_miles
from fulfillment.selectors.cost_model import cost_model_load

DRIFT_DAYS = 30
DRIFT_MIN_LABELS = 3
#: A cell drifts when the median paid is this many percent above or below its card price.
DRIFT_THRESHOLD_PCT = Decimal("5")
_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")
GRAMS_PER_POUND = Decimal("453.59237")

#: Why a labelled box could not be compared with a card, as the page explains it.
SKIP_REASONS = {
    "no_card": "shipped with a carrier service that has no active rate card",
    "no_place": "no coordinates for the shipping location or the customer",
    "not_priced": "outside the card (a zone it does not serve, or heavier than its last bracket)",
    "currency": "paid in another currency than the cards' dollars",
}


@dataclass(frozen=True)
class DriftRow:
    """One rate-card cell (carrier service, zone, weight bracket) and the labels it priced."""

    service_id: int
    carrier_code: str
    carrier_name: str
    service_code: str
    service_name: str
    zone: int
    max_weight_grams: int
    labels: int
    card_price: Decimal
    median_paid: Decimal
    difference_pct: Decimal | None
    proposed_price: Decimal | None
    blocked_reason: str = ""

    @property
    def drifting(self) -> bool:
        """True when the card should change (a price is proposed)."""
        return self.proposed_price is not None

    @property
    def applicable(self) -> bool:
        """True when the proposal can be applied as it is (the rate table would take it)."""
        return self.drifting and not self.blocked_reason


@dataclass(frozen=True)
class DriftReport:
    """The cells with enough labels to judge, and what was left out and why."""

    since: datetime
    days: int
    min_labels: int
    threshold_pct: Decimal
    rows: list[DriftRow]
    labels_seen: int
    labels_compared: int
    thin_cells: int
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def proposals(self) -> list[DriftRow]:
        """The rows whose card price should change."""
        return [row for row in self.rows if row.drifting]

    @property
    def applicable(self) -> list[DriftRow]:
        """The proposals the rate tables would take, all together."""
        return [row for row in self.rows if row.applicable]

    @property
    def skipped_reasons(self) -> list[tuple[str, int]]:
        """(reason, boxes) for the boxes not compared, most first."""
        return [(SKIP_REASONS[key], count) for key, count in sorted(self.skipped.items(), key=lambda kv: -kv[1])]


@dataclass
class _Cell:
    card_price: Decimal
    paid: list[Decimal] = field(default_factory=list)


def pounds_text(grams: int) -> str:
    """A weight bracket in pounds as the rate grid shows it (two decimals at most)."""
    return f"{Decimal(grams) / GRAMS_PER_POUND:.2f}".rstrip("0").rstrip(".")


def _destination(values: Mapping[str, Any]) -> tuple[float, float] | None:
    lat, lon = values["shipment__order__ship_latitude"], values["shipment__order__ship_longitude"]
    if lat is not None and lon is not None:
        return float(lat), float(lon)
    place = geocode_postal_code(
        str(values["shipment__order__ship_postal_code"] or ""), str(values["shipment__order__ship_country"] or "US")
    )
    return (float(place.latitude), float(place.longitude)) if place else None


def _difference_pct(card: Decimal, paid: Decimal) -> Decimal | None:
    if card == 0:
        return None
    return ((paid - card) / card * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)


def rate_card_drift(
    *,
    days: int = DRIFT_DAYS,
    min_labels: int = DRIFT_MIN_LABELS,
    threshold_pct: Decimal = DRIFT_THRESHOLD_PCT,
    now: datetime | None = None,
) -> DriftReport:
    """Compare each rate-card cell with the labels it priced in the last `days` days.

    A fixed number of queries whatever the number of labels: the labelled boxes (one query,
    with their shipment's origin and destination), the cost model (fresh, as the calculator
    reads it) and the services' names.
    """
    since = (now or timezone.now()) - timedelta(days=days)
    boxes = Package.objects.filter(
        status=PackageStatus.LABELLED, label_rate__isnull=False, label_created_at__gte=since
    ).values(
        "label_rate",
        "label_currency",
        "weight_grams",
        "shipment__carrier",
        "shipment__service",
        "shipment__location__latitude",
        "shipment__location__longitude",
        "shipment__order__ship_latitude",
        "shipment__order__ship_longitude",
        "shipment__order__ship_postal_code",
        "shipment__order__ship_country",
    )
    model = cost_model_load(fresh=True)
    compiled = compile_cost_model(model)
    cards = {(card.carrier, card.service): card for card in compiled.cards}
    cells: dict[tuple[str, str, int, int], _Cell] = {}
    skipped: Counter[str] = Counter()
    seen = 0
    for box in boxes:
        seen += 1
        if (box["label_currency"] or "USD").upper() != "USD":
            skipped["currency"] += 1
            continue
        card = cards.get((box["shipment__carrier"], box["shipment__service"]))
        if card is None:
            skipped["no_card"] += 1
            continue
        origin_lat, origin_lon = box["shipment__location__latitude"], box["shipment__location__longitude"]
        destination = _destination(box)
        if origin_lat is None or origin_lon is None or destination is None:
            skipped["no_place"] += 1
            continue
        zone = zone_for_miles(haversine_miles(float(origin_lat), float(origin_lon), *destination), model.zone_bands)
        weight = int(box["weight_grams"])
        bracket = compiled.bracket_of(weight)
        prices = card.grid_prices.get(zone)
        if prices is None or bracket >= len(compiled.breaks) or not math.isfinite(float(prices[bracket])):
            skipped["not_priced"] += 1
            continue
        # The card's own bracket (the compiled grid merges every card's limits): the first limit holding the weight.
        limits = sorted(int(limit) for limit, _ in model.rate_cards[card.index].rates[zone])
        band = limits[bisect.bisect_left(limits, weight)]
        key = (card.carrier, card.service, zone, band)
        cell = cells.setdefault(key, _Cell(card_price=cents_to_decimal(float(prices[bracket]))))
        cell.paid.append(Decimal(str(box["label_rate"])))
    services = {
        (carrier, code): (pk, carrier_name, name)
        for pk, carrier, code, carrier_name, name in CarrierService.objects.values_list(
            "pk", "carrier__code", "code", "carrier__name", "name"
        )
    }
    rows = []
    thin = 0
    for (carrier, service, zone, band), cell in sorted(cells.items()):
        if len(cell.paid) < min_labels:
            thin += 1
            continue
        pk, carrier_name, service_name = services[(carrier, service)]
        median = Decimal(statistics.median(cell.paid)).quantize(_CENT, rounding=ROUND_HALF_UP)
        difference = _difference_pct(cell.card_price, median)
        drifting = (difference is None and median != cell.card_price) or (
            difference is not None and abs(difference) > threshold_pct
        )
        rows.append(
            DriftRow(
                service_id=pk,
                carrier_code=carrier,
                carrier_name=carrier_name,
                service_code=service,
                service_name=service_name,
                zone=zone,
                max_weight_grams=band,
                labels=len(cell.paid),
                card_price=cell.card_price,
                median_paid=median,
                difference_pct=difference,
                proposed_price=median if drifting else None,
            )
        )
    ladders = {
        (card.carrier, card.service, zone): dict(brackets)
        for card in model.rate_cards
        for zone, brackets in card.rates.items()
    }
    rows = _mark_blocked(rows, ladders)
    compared = sum(len(cell.paid) for cell in cells.values())
    return DriftReport(
        since=since,
        days=days,
        min_labels=min_labels,
        threshold_pct=threshold_pct,
        rows=rows,
        labels_seen=seen,
        labels_compared=compared,
        thin_cells=thin,
        skipped=dict(skipped),
    )


def _mark_blocked(rows: list[DriftRow], ladders: dict[tuple[str, str, int], dict[int, Decimal]]) -> list[DriftRow]:
    """Mark proposals that would make a heavier bracket cheaper than a lighter one in their zone.

    Proposals are judged together (each against the card with the others applied); when two
    clash, the first (lighter) one is set aside and the rest judged again, so as many as
    possible stay applicable.
    """
    blocked: dict[int, str] = {}
    while True:
        prices = {key: dict(ladder) for key, ladder in ladders.items()}
        for index, row in enumerate(rows):
            if row.proposed_price is not None and index not in blocked:
                prices[(row.carrier_code, row.service_code, row.zone)][row.max_weight_grams] = row.proposed_price
        clash = next(
            (
                (index, reason)
                for index, row in enumerate(rows)
                if row.proposed_price is not None
                and index not in blocked
                and (reason := _clash(row, prices[(row.carrier_code, row.service_code, row.zone)]))
            ),
            None,
        )
        if clash is None:
            return [replace(row, blocked_reason=blocked.get(index, "")) for index, row in enumerate(rows)]
        blocked[clash[0]] = clash[1]


def _clash(row: DriftRow, ladder: dict[int, Decimal]) -> str:
    weights = sorted(ladder)
    position = weights.index(row.max_weight_grams)
    price = ladder[row.max_weight_grams]
    if position > 0 and price < ladder[weights[position - 1]]:
        lighter = weights[position - 1]
        return (
            f"Cheaper than the lighter {pounds_text(lighter)} lb bracket (${ladder[lighter]}): "
            "change the rate table by hand."
        )
    if position + 1 < len(weights) and price > ladder[weights[position + 1]]:
        heavier = weights[position + 1]
        return (
            f"Dearer than the heavier {pounds_text(heavier)} lb bracket (${ladder[heavier]}): "
            "change the rate table by hand."
        )
    return ""
