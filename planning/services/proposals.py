"""Replenishment and rebalancing proposals from the forecasts.

`proposals_compute` replaces the open proposals. For each SKU at each stocking location
(warehouses, 3PLs and stores; dropship suppliers hold their own stock) it takes the location's
forecast (`DemandForecast`, scope location) and builds a reorder point and order-up-to level
(`planning.forecasting.policy`, periodic review) with:

- the inventory position (`planning.services.positions`): on hand - reserved + on order (open
  stock purchase orders, transfers requested) + in transit - backorders, so units already coming
  are not ordered again;
- the lead time of the way stock comes: the supplier's (`planning.services.policies`: quoted
  days, else ship SLA + transit) for a purchase, a linehaul lane's transit days for a transfer
  (`fulfillment.LinehaulLane`, else `DEFAULT_TRANSFER_DAYS`);
- the service level and review period of the location's class (`StockingPolicy`, else defaults);
- the forecast's backtest error for the safety stock, its mean over lead time + review period.

First it rebalances: a location at or under its reorder point takes units from a location holding
more than its own order-up-to level when shipping savings + avoided lost sales exceed the transfer
cost (`rebalance_gain`; the terms are in the proposal). What is still short becomes a purchase from
the cheapest active supplier listing the SKU. Every proposal explains its numbers and keeps the
stock they were computed on; approving is `planning.services.approvals.proposal_apply`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from core.geo import haversine_miles
from core.types import Actor
from fulfillment.models import LinehaulLane
from inventory.models import SKU, Location
from partners.models import PartnerSkuCost
from planning.forecasting import StockPolicy, rebalance_gain, stock_policy
from planning.models import (
    DemandForecast,
    ForecastScope,
    ProposalKind,
    ProposalStatus,
    ReplenishmentProposal,
)
from planning.services.approvals import proposal_apply
from planning.services.policies import stocking_policies, supplier_lead_days, supplier_lead_times
from planning.services.positions import Position, position_snapshot, stock_positions

DEFAULT_TRANSFER_DAYS = 3
DEFAULT_TRANSFER_COST_PER_UNIT = Decimal("1.50")
#: What a parcel costs more per unit per 1,000 miles farther (zone difference of a ground rate card);
#: a unit sold from the nearer location saves this much.
SHIPPING_COST_PER_UNIT_PER_1000_MILES = 2.0
DEFAULT_MARGIN_SHARE = Decimal("0.30")  # margin assumed when no supplier cost is known


@dataclass
class _Site:
    stock: Position
    policy: StockPolicy
    forecast: DemandForecast | None
    planned: int = 0  # units proposed to move in (+) or out (-) by the rebalancing pass

    @property
    def position(self) -> int:
        """The inventory position, counting the transfers proposed so far."""
        return self.stock.total + self.planned

    @property
    def spare(self) -> int:
        """Units it can send away: available now, and only what its position holds beyond its order-up-to."""
        return max(0, min(self.stock.available + min(self.planned, 0), self.position - self.policy.order_up_to))

    def describe(self) -> str:
        moved = f" {self.planned:+d} proposed to move" if self.planned else ""
        return f"{self.position} ({self.stock.describe()}{moved})"


def _distance(a: Location, b: Location) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    return haversine_miles(float(a.latitude), float(a.longitude), float(b.latitude), float(b.longitude))  # type: ignore[arg-type]


def _main_locations(forecasts: dict[tuple[int, int], DemandForecast]) -> dict[int, int]:
    """Per SKU, the location forecast to ship most of it: where its shipped backorders wait."""
    best: dict[int, DemandForecast] = {}
    for forecast in forecasts.values():
        current = best.get(forecast.sku_id)
        if current is None or forecast.daily_mean > current.daily_mean:
            best[forecast.sku_id] = forecast
    return {sku_id: f.location_id for sku_id, f in best.items() if f.location_id is not None}


def proposals_compute(*, actor: Actor = None) -> list[ReplenishmentProposal]:
    """Replace the open proposals with new ones from the stored forecasts (see the module docstring)."""
    classes = stocking_policies()
    locations = {loc.pk: loc for loc in Location.objects.filter(is_active=True, kind__in=list(classes)).order_by("pk")}
    forecasts = {
        (f.sku_id, f.location_id): f
        for f in DemandForecast.objects.filter(scope=ForecastScope.LOCATION, location_id__in=list(locations))
        if f.location_id is not None
    }
    positions = stock_positions(location_ids=list(locations), main_location=_main_locations(forecasts))
    lanes = {(lane.origin_id, lane.destination_id): lane for lane in LinehaulLane.objects.filter(is_active=True)}
    suppliers: dict[int, PartnerSkuCost] = {}
    for cost in (
        PartnerSkuCost.objects.filter(partner__is_active=True).select_related("partner").order_by("sku_id", "unit_cost")
    ):
        suppliers.setdefault(cost.sku_id, cost)
    sku_ids = {sku_id for sku_id, _ in forecasts} | {sku_id for sku_id, _ in positions}
    skus = {sku.pk: sku for sku in SKU.objects.filter(pk__in=sku_ids).only("pk", "price", "weight_grams")}

    quoted = supplier_lead_times()

    proposals: list[ReplenishmentProposal] = []
    for sku_id in sorted(skus):
        supplier = suppliers.get(sku_id)
        supplier_lead, lead_source = supplier_lead_days(supplier.partner if supplier else None, quoted)
        sites: dict[int, _Site] = {}
        for location_id, location in locations.items():
            forecast = forecasts.get((sku_id, location_id))
            stock = positions.get((sku_id, location_id))
            if forecast is None and stock is None:
                continue
            policy_of_class = classes[location.kind]
            review = policy_of_class.review_days
            policy = stock_policy(
                daily_mean=forecast.mean_over(supplier_lead + review) if forecast else 0.0,
                error_sd=forecast.error_sd if forecast else 0.0,
                lead_time_days=supplier_lead,
                review_days=review,
                service_level=policy_of_class.service_level,
            )
            sites[location_id] = _Site(stock or Position(), policy, forecast)
        sku = skus[sku_id]
        margin = float(sku.price - supplier.unit_cost) if supplier else float(sku.price * DEFAULT_MARGIN_SHARE)
        proposals.extend(_rebalance(sku, sites, locations, lanes, margin, supplier_lead, positions))
        proposals.extend(_purchases(sku_id, sites, locations, supplier, (supplier_lead, lead_source), positions))
    with transaction.atomic():
        ReplenishmentProposal.objects.filter(status__in=[ProposalStatus.OPEN, ProposalStatus.STALE]).delete()
        ReplenishmentProposal.objects.bulk_create(proposals)
    return proposals


def _policy_text(code: str, site: _Site) -> str:
    """Why a location needs stock: its position against its reorder point, and what the policy rests on."""
    mean = site.forecast.daily_mean if site.forecast else 0.0
    policy = site.policy
    return (
        f"{code} position {site.describe()}, at or under its reorder point {policy.reorder_point} "
        f"({mean:.2f}/day x {policy.lead_time_days:g} days lead time + {policy.safety_stock} safety stock for "
        f"{policy.service_level:.0%} service over lead time + {policy.review_days:g}-day review); "
        f"order-up-to {policy.order_up_to}."
    )


def _common(sku_id: int, location_id: int, site: _Site, units: int) -> dict[str, object]:
    """The fields every proposal for `site` carries."""
    return {
        "sku_id": sku_id,
        "location_id": location_id,
        "suggested_quantity": units,
        "quantity": units,
        "daily_mean": site.forecast.daily_mean if site.forecast else 0.0,
        "error_sd": site.forecast.error_sd if site.forecast else 0.0,
        "review_days": site.policy.review_days,
        "service_level": site.policy.service_level,
        "safety_stock": site.policy.safety_stock,
        "reorder_point": site.policy.reorder_point,
        "order_up_to": site.policy.order_up_to,
        "position": site.position,
        "position_terms": {**site.stock.terms(), "proposed_moves": site.planned},
    }


def _rebalance(
    sku: SKU,
    sites: dict[int, _Site],
    locations: dict[int, Location],
    lanes: dict[tuple[int, int], LinehaulLane],
    margin: float,
    supplier_lead: int,
    positions: dict[tuple[int, int], Position],
) -> list[ReplenishmentProposal]:
    out: list[ReplenishmentProposal] = []
    needy = sorted(
        (
            loc
            for loc, site in sites.items()
            if site.policy.reorder_point > 0 and site.position <= site.policy.reorder_point
        ),
        key=lambda loc: sites[loc].position - sites[loc].policy.reorder_point,
    )
    for dest_id in needy:
        dest = sites[dest_id]
        need = dest.policy.order_up_to - dest.position
        best: tuple[float, int, int, dict[str, float], float, float] | None = None
        for source_id, source in sites.items():
            if source_id == dest_id or source.spare <= 0 or need <= 0:
                continue
            units = min(need, source.spare)
            lane = lanes.get((source_id, dest_id))
            days = float(lane.transit_days) if lane else DEFAULT_TRANSFER_DAYS
            weight_kg = sku.weight_grams / 1000
            per_unit = (
                float(lane.cost_per_unit + lane.cost_per_kg * Decimal(str(weight_kg)))
                if lane
                else float(DEFAULT_TRANSFER_COST_PER_UNIT)
            )
            miles = _distance(locations[source_id], locations[dest_id]) or 0.0
            mean = dest.forecast.mean_over(supplier_lead) if dest.forecast else 0.0
            # Sales lost if we wait for a purchase instead: demand over the supplier lead time beyond
            # what the location holds, less what the transfer's own transit days lose anyway.
            shortfall = max(0.0, mean * (supplier_lead - days) - max(dest.position, 0))
            value = rebalance_gain(
                units=units,
                shortfall_units=shortfall,
                unit_margin=margin,
                shipping_saving_per_unit=miles / 1000 * SHIPPING_COST_PER_UNIT_PER_1000_MILES,
                cost_per_unit=per_unit,
            )
            if value.pays and (best is None or value.net > best[0]):
                terms = {
                    "shipping_savings": round(value.shipping_savings, 2),
                    "avoided_lost_sales": round(value.avoided_lost_sales, 2),
                    "transfer_cost": round(value.transfer_cost, 2),
                    "net": round(value.net, 2),
                    "miles": round(miles),
                    "shortfall_units": round(shortfall, 1),
                    "lane": bool(lane),
                }
                best = (value.net, source_id, units, terms, days, per_unit)
        if best is None:
            continue
        _, source_id, units, terms, days, per_unit = best
        source = sites[source_id]
        dest_loc, source_loc = locations[dest_id], locations[source_id]
        explanation = (
            f"{_policy_text(dest_loc.code, dest)} {source_loc.code} position {source.describe()} against its "
            f"order-up-to {source.policy.order_up_to}. "
            f"Moving {units}: shipping savings ${terms['shipping_savings']:.2f} ({terms['miles']} miles nearer) + "
            f"avoided lost sales ${terms['avoided_lost_sales']:.2f} ({terms['shortfall_units']} units short before a "
            f"purchase could arrive) - transfer ${terms['transfer_cost']:.2f} (${per_unit:.2f}/unit, {days:g} days"
            f"{'' if terms['lane'] else ', no lane: default cost'}) = ${terms['net']:.2f}."
        )
        out.append(
            ReplenishmentProposal(
                kind=ProposalKind.TRANSFER,
                source_id=source_id,
                lead_time_days=days,
                source_position=source.position,
                source_order_up_to=source.policy.order_up_to,
                value=terms,
                explanation=explanation,
                stock_snapshot=position_snapshot(positions, [(dest_id, sku.pk), (source_id, sku.pk)]),
                **_common(sku.pk, dest_id, dest, units),
            )
        )
        dest.planned += units  # the purchase pass counts them in, so they are not ordered twice
        source.planned -= units
    return out


def _purchases(
    sku_id: int,
    sites: dict[int, _Site],
    locations: dict[int, Location],
    supplier: PartnerSkuCost | None,
    lead: tuple[int, str],
    positions: dict[tuple[int, int], Position],
) -> list[ReplenishmentProposal]:
    supplier_lead, lead_source = lead
    out: list[ReplenishmentProposal] = []
    for location_id, site in sites.items():
        if site.policy.reorder_point <= 0 or site.position > site.policy.reorder_point:
            continue
        quantity = site.policy.order_up_to - site.position
        if quantity <= 0:
            continue
        who = (
            f"{supplier.partner.name} at ${supplier.unit_cost}/unit, lead time {supplier_lead} days ({lead_source})"
            if supplier
            else f"no supplier lists this SKU (partners' SKU costs): lead time {supplier_lead} days assumed"
        )
        out.append(
            ReplenishmentProposal(
                kind=ProposalKind.PURCHASE,
                partner=supplier.partner if supplier else None,
                lead_time_days=supplier_lead,
                explanation=(
                    f"{_policy_text(locations[location_id].code, site)} Order {site.policy.order_up_to} - "
                    f"{site.position if site.position >= 0 else f'({site.position})'} = {quantity} from {who}."
                ),
                stock_snapshot=position_snapshot(positions, [(location_id, sku_id)]),
                **_common(sku_id, location_id, site, quantity),
            )
        )
    return out


__all__ = ["proposal_apply", "proposals_compute"]
