"""Replenishment and rebalancing proposals from the forecasts, and approving them.

`proposals_compute` replaces the open proposals. For each SKU at each stocking location
(warehouses, 3PLs and stores; dropship suppliers hold their own stock) it takes the location's
forecast (`DemandForecast`, scope location) and builds a reorder point and order-up-to level
(`planning.forecasting.policy`) with:

- the lead time of the way stock would come: a linehaul lane's transit days for a transfer
  (`fulfillment.LinehaulLane`, else `DEFAULT_TRANSFER_DAYS`), or the supplier's ship SLA plus
  `SUPPLIER_TRANSIT_DAYS` for a purchase (`partners.Partner`, the cheapest `PartnerSkuCost`);
- the service level of the location's class (`SERVICE_LEVELS`);
- the forecast's backtest error for the safety stock.

First it rebalances: a location at or under its reorder point takes units from a location holding
more than its own order-up-to level when shipping savings + avoided lost sales exceed the transfer
cost (`rebalance_gain`; the terms are in the proposal). What is still short becomes a purchase.

Applying (`proposal_apply`) checks the stock levels the proposal was computed on: if any changed,
the proposal turns stale and nothing is created; a transfer proposal then becomes a real transfer
through `inventory.services.transfer_create` (units reserved at the source), a purchase proposal a
stock purchase order to its supplier (`partners.services.purchase_order_create_for_stock`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.geo import haversine_miles
from core.types import Actor, actor_id
from fulfillment.models import LinehaulLane
from inventory.models import Location, LocationKind, StockLevel
from inventory.services import StockLine, transfer_create
from partners.models import PartnerSkuCost
from partners.services import purchase_order_create_for_stock
from planning.forecasting import StockPolicy, rebalance_gain, stock_policy
from planning.models import DemandForecast, ForecastScope, ProposalKind, ProposalStatus, ReplenishmentProposal

#: Probability of not running out during a lead time, by the kind of location.
SERVICE_LEVELS = {LocationKind.WAREHOUSE: 0.95, LocationKind.THIRD_PARTY: 0.95, LocationKind.STORE: 0.90}
REVIEW_DAYS = 7  # proposals are reviewed weekly: an order covers a week of demand beyond the reorder point
DEFAULT_TRANSFER_DAYS = 3
DEFAULT_TRANSFER_COST_PER_UNIT = Decimal("1.50")
SUPPLIER_TRANSIT_DAYS = 4
#: What a parcel costs more per unit per 1,000 miles farther (zone difference of a ground rate card);
#: a unit sold from the nearer location saves this much.
SHIPPING_COST_PER_UNIT_PER_1000_MILES = 2.0
DEFAULT_MARGIN_SHARE = Decimal("0.30")  # margin assumed when no supplier cost is known


@dataclass
class _Site:
    level: StockLevel | None
    policy: StockPolicy
    forecast: DemandForecast | None
    planned: int = 0  # units proposed to move in (+) or out (-) by the rebalancing pass

    @property
    def position(self) -> int:
        """Available + in transit, counting the transfers proposed so far."""
        if self.level is None:
            return self.planned
        return self.level.on_hand - self.level.reserved + self.level.in_transit + self.planned


def _snapshot_key(location_id: int, sku_id: int) -> str:
    return f"{location_id}:{sku_id}"


def _snapshot(levels: list[StockLevel | None], keys: list[tuple[int, int]]) -> dict[str, list[int]]:
    out = {_snapshot_key(loc, sku): [0, 0, 0] for loc, sku in keys}
    for level in levels:
        if level is not None:
            out[_snapshot_key(level.location_id, level.sku_id)] = [level.on_hand, level.reserved, level.in_transit]
    return out


def _distance(a: Location, b: Location) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    return haversine_miles(float(a.latitude), float(a.longitude), float(b.latitude), float(b.longitude))  # type: ignore[arg-type]


def proposals_compute(*, actor: Actor = None) -> list[ReplenishmentProposal]:
    """Replace the open proposals with new ones from the stored forecasts (see the module docstring)."""
    locations = {
        loc.pk: loc for loc in Location.objects.filter(is_active=True, kind__in=list(SERVICE_LEVELS)).order_by("pk")
    }
    forecasts = {
        (f.sku_id, f.location_id): f
        for f in DemandForecast.objects.filter(scope=ForecastScope.LOCATION, location_id__in=list(locations))
    }
    levels = {
        (lvl.sku_id, lvl.location_id): lvl
        for lvl in StockLevel.objects.filter(location_id__in=list(locations)).select_related("sku")
    }
    lanes = {(lane.origin_id, lane.destination_id): lane for lane in LinehaulLane.objects.filter(is_active=True)}
    suppliers: dict[int, PartnerSkuCost] = {}
    for cost in (
        PartnerSkuCost.objects.filter(partner__is_active=True).select_related("partner").order_by("sku_id", "unit_cost")
    ):
        suppliers.setdefault(cost.sku_id, cost)
    skus = {sku_id for sku_id, _ in forecasts} | {sku_id for sku_id, _ in levels}
    prices = {lvl.sku_id: lvl.sku for lvl in levels.values()}

    proposals: list[ReplenishmentProposal] = []
    for sku_id in sorted(skus):
        supplier = suppliers.get(sku_id)
        supplier_lead = (
            math.ceil(supplier.partner.ship_sla_hours / 24) + SUPPLIER_TRANSIT_DAYS
            if supplier
            else SUPPLIER_TRANSIT_DAYS + 3
        )
        sites: dict[int, _Site] = {}
        for location_id, location in locations.items():
            forecast = forecasts.get((sku_id, location_id))
            level = levels.get((sku_id, location_id))
            if forecast is None and level is None:
                continue
            mean = forecast.mean_over(supplier_lead + REVIEW_DAYS) if forecast else 0.0
            policy = stock_policy(
                daily_mean=mean,
                error_sd=forecast.error_sd if forecast else 0.0,
                lead_time_days=supplier_lead,
                review_days=REVIEW_DAYS,
                service_level=SERVICE_LEVELS[location.kind],  # type: ignore[index]
            )
            sites[location_id] = _Site(level, policy, forecast)
        sku = prices.get(sku_id)
        price = sku.price if sku else Decimal("0")
        margin = float(price - supplier.unit_cost) if supplier else float(price * DEFAULT_MARGIN_SHARE)
        proposals.extend(_rebalance(sku_id, sites, locations, lanes, margin, supplier_lead))
        proposals.extend(_purchases(sku_id, sites, locations, supplier, supplier_lead))
    with transaction.atomic():
        ReplenishmentProposal.objects.filter(status__in=[ProposalStatus.OPEN, ProposalStatus.STALE]).delete()
        ReplenishmentProposal.objects.bulk_create(proposals)
    return proposals


def _rebalance(
    sku_id: int,
    sites: dict[int, _Site],
    locations: dict[int, Location],
    lanes: dict[tuple[int, int], LinehaulLane],
    margin: float,
    supplier_lead: int,
) -> list[ReplenishmentProposal]:
    excess = {
        loc: (site.level.on_hand - site.level.reserved) - site.policy.order_up_to
        for loc, site in sites.items()
        if site.level is not None and (site.level.on_hand - site.level.reserved) > site.policy.order_up_to
    }
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
        for source_id, spare in excess.items():
            if source_id == dest_id or spare <= 0:
                continue
            units = min(need, spare)
            lane = lanes.get((source_id, dest_id))
            days = float(lane.transit_days) if lane else DEFAULT_TRANSFER_DAYS
            weight_kg = (dest.level.sku.weight_grams if dest.level else 0) / 1000
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
        excess[source_id] -= units
        source = sites[source_id]
        dest_loc, source_loc = locations[dest_id], locations[source_id]
        dest_mean = dest.forecast.daily_mean if dest.forecast else 0.0
        explanation = (
            f"{dest_loc.code} holds {dest.position} (available + in transit), at or under its reorder point "
            f"{dest.policy.reorder_point} (incl. {dest.policy.safety_stock} units of safety stock for "
            f"{dest.policy.service_level:.0%} "
            f"service) for {dest_mean:.2f}/day; order-up-to {dest.policy.order_up_to}. "
            f"{source_loc.code} holds {source.position} against an order-up-to level of {source.policy.order_up_to}. "
            f"Moving {units}: shipping savings ${terms['shipping_savings']:.2f} ({terms['miles']} miles nearer) + "
            f"avoided lost sales ${terms['avoided_lost_sales']:.2f} ({terms['shortfall_units']} units short before a "
            f"purchase could arrive) - transfer ${terms['transfer_cost']:.2f} (${per_unit:.2f}/unit, {days:g} days"
            f"{'' if terms['lane'] else ', no lane: default cost'}) = ${terms['net']:.2f}."
        )
        out.append(
            ReplenishmentProposal(
                kind=ProposalKind.TRANSFER,
                sku_id=sku_id,
                location_id=dest_id,
                source_id=source_id,
                suggested_quantity=units,
                quantity=units,
                daily_mean=dest.forecast.daily_mean if dest.forecast else 0.0,
                error_sd=dest.forecast.error_sd if dest.forecast else 0.0,
                lead_time_days=days,
                service_level=dest.policy.service_level,
                safety_stock=dest.policy.safety_stock,
                reorder_point=dest.policy.reorder_point,
                order_up_to=dest.policy.order_up_to,
                position=dest.position,
                source_position=source.position,
                source_order_up_to=source.policy.order_up_to,
                value=terms,
                explanation=explanation,
                stock_snapshot=_snapshot([dest.level, source.level], [(dest_id, sku_id), (source_id, sku_id)]),
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
    supplier_lead: int,
) -> list[ReplenishmentProposal]:
    out: list[ReplenishmentProposal] = []
    for location_id, site in sites.items():
        if site.policy.reorder_point <= 0 or site.position > site.policy.reorder_point:
            continue
        quantity = site.policy.order_up_to - site.position
        if quantity <= 0:
            continue
        code = locations[location_id].code
        mean = site.forecast.daily_mean if site.forecast else 0.0
        who = (
            f"{supplier.partner.name} at ${supplier.unit_cost}/unit, lead time {supplier_lead} days "
            f"({supplier.partner.ship_sla_hours} h to ship + {SUPPLIER_TRANSIT_DAYS} days transit)"
            if supplier
            else f"no supplier lists this SKU (partners' SKU costs); assumed lead time {supplier_lead} days"
        )
        out.append(
            ReplenishmentProposal(
                kind=ProposalKind.PURCHASE,
                sku_id=sku_id,
                location_id=location_id,
                partner=supplier.partner if supplier else None,
                suggested_quantity=quantity,
                quantity=quantity,
                daily_mean=site.forecast.daily_mean if site.forecast else 0.0,
                error_sd=site.forecast.error_sd if site.forecast else 0.0,
                lead_time_days=supplier_lead,
                service_level=site.policy.service_level,
                safety_stock=site.policy.safety_stock,
                reorder_point=site.policy.reorder_point,
                order_up_to=site.policy.order_up_to,
                position=site.position,
                explanation=(
                    f"{code} holds {site.position} (available + in transit, transfers proposed included), at or under "
                    f"its reorder point {site.policy.reorder_point} for {mean:.2f}/day at "
                    f"{site.policy.service_level:.0%} service; order {quantity} up to {site.policy.order_up_to}. "
                    f"From {who}."
                ),
                stock_snapshot=_snapshot([site.level], [(location_id, sku_id)]),
            )
        )
    return out


def _current_snapshot(proposal: ReplenishmentProposal) -> dict[str, list[int]]:
    keys = [tuple(int(part) for part in key.split(":")) for key in proposal.stock_snapshot]
    found = StockLevel.objects.filter(location_id__in=[loc for loc, _ in keys], sku_id=proposal.sku_id).order_by("pk")
    return _snapshot(list(found), [(loc, sku) for loc, sku in keys])


def proposal_apply(*, proposal: ReplenishmentProposal, quantity: int, actor: Actor) -> ReplenishmentProposal:
    """Approve a proposal with `quantity` units: a transfer proposal becomes an inventory transfer.

    Refused (Conflict) when the proposal is no longer open or the stock it was computed on has
    changed since (then it is marked stale: recompute the proposals).
    """
    if quantity < 1:
        raise ValidationFailed("Enter a quantity of at least 1.", field="quantity")
    with transaction.atomic():
        locked = (
            ReplenishmentProposal.objects.select_for_update(of=("self",))
            .select_related("location", "source", "partner")
            .get(pk=proposal.pk)
        )
        if locked.status != ProposalStatus.OPEN:
            raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}; recompute the proposals.")
        stale = _current_snapshot(locked) != locked.stock_snapshot
        if stale:
            # Recorded, not rolled back with the refusal: the page then shows it as stale.
            ReplenishmentProposal.objects.filter(pk=locked.pk).update(status=ProposalStatus.STALE)
        else:
            _apply_open(locked, quantity, actor)
    if stale:
        raise Conflict(
            f"Stock changed since {locked.number} was computed, so it was not applied. Recompute the proposals to "
            "see what is needed now.",
            field="stale",
        )
    return locked


def _apply_open(locked: ReplenishmentProposal, quantity: int, actor: Actor) -> None:
    if locked.kind == ProposalKind.PURCHASE:
        _apply_purchase(locked, quantity, actor)
        return
    if locked.source is None:
        raise Conflict(f"{locked.number} has no source location; recompute the proposals.")
    transfer = transfer_create(
        source=locked.source,
        destination=locked.location,
        lines=[StockLine(locked.sku_id, quantity)],
        actor=actor,
        note=f"Rebalancing {locked.number}",
    )
    locked.status = ProposalStatus.APPLIED
    locked.quantity = quantity
    locked.transfer = transfer
    locked.applied_by_id = actor_id(actor)
    locked.applied_at = timezone.now()
    locked.save(update_fields=["status", "quantity", "transfer", "applied_by", "applied_at"])


def _apply_purchase(locked: ReplenishmentProposal, quantity: int, actor: Actor) -> None:
    """A purchase proposal becomes a stock purchase order to its supplier, sent after commit."""
    if locked.partner is None:
        raise Conflict(
            f"No supplier lists the SKU of {locked.number}: add its cost to a supplier's SKU costs and recompute.",
            field="partner",
        )
    po = purchase_order_create_for_stock(
        partner=locked.partner,
        location=locked.location,
        lines=[StockLine(locked.sku_id, quantity)],
        actor=actor,
        reference=f"Replenishment {locked.number}",
    )
    locked.status = ProposalStatus.APPLIED
    locked.quantity = quantity
    locked.applied_by_id = actor_id(actor)
    locked.applied_at = timezone.now()
    locked.explanation = f"{locked.explanation} Ordered as {po.number}."
    locked.save(update_fields=["status", "quantity", "applied_by", "applied_at", "explanation"])
