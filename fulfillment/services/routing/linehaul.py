"""What consolidation plans with: whether a channel allows it, the linehaul lanes and the hubs.

Read from the database and cached in-process alongside the cost model: the cache belongs to
the cost model object `cost_model_load` returned, so whatever makes routing reload its cost
model (its time to live, `cost_model_forget`, a saved policy or location) reloads these too.
Saving a lane or a hub forgets the cost model (receivers below).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from channels.models import Channel
from fulfillment.models import ConsolidationHub, CostSettings, LinehaulLane, RoutingPolicy
from fulfillment.routing import Consolidation, CostModel, Hub
from fulfillment.routing import LinehaulLane as Lane
from fulfillment.selectors.cost_model import cost_model_forget
from inventory.models import LocationKind

#: Kinds a leg may start from: our own buildings. A dropship supplier's stock is its own and a 3PL
#: works from orders sent through the partners app; neither sends our transfers.
ORIGIN_KINDS = frozenset({LocationKind.WAREHOUSE.value, LocationKind.STORE.value})
#: Kinds that may be the node: only our own warehouses hold parcels back and pack them as one.
NODE_KINDS = frozenset({LocationKind.WAREHOUSE.value})

_cache: dict[str, Any] = {}


def consolidation_options(*, channel: Channel, cost_model: CostModel) -> Consolidation | None:
    """The channel's consolidation options, or None if its routing policy does not allow it.

    The channel's own policy decides, else the merchant's default policy. Cached for as long as
    `cost_model` is the current cost model (no query while it is).
    """
    if _cache.get("model") is not cost_model:
        _cache.clear()
        _cache["model"] = cost_model
    key = f"channel:{channel.pk}"
    if key not in _cache:
        _cache[key] = _options_from_database(channel) if _allowed(channel) else None
    found: Consolidation | None = _cache[key]
    return found


def _allowed(channel: Channel) -> bool:
    policies: dict[int | None, bool] = dict(
        RoutingPolicy.objects.filter(Q(channel=channel) | Q(channel__isnull=True)).values_list(
            "channel_id", "allow_consolidation"
        )
    )
    if channel.pk in policies:
        return policies[channel.pk]
    return policies.get(None, False)


def _options_from_database(channel: Channel) -> Consolidation:
    """Every active lane and hub (both ends active), the default node figures from the cost settings."""
    settings_row = CostSettings.objects.first() or CostSettings()
    lanes = tuple(
        Lane(
            origin=origin,
            destination=destination,
            transit_days=transit_days,
            cost_per_unit=cost_per_unit,
            cost_per_kg=cost_per_kg,
        )
        for origin, destination, transit_days, cost_per_unit, cost_per_kg in LinehaulLane.objects.filter(
            is_active=True, origin__is_active=True, destination__is_active=True
        )
        .order_by("origin__code", "destination__code")
        .values_list("origin__code", "destination__code", "transit_days", "cost_per_unit", "cost_per_kg")
    )
    hubs = tuple(
        Hub(code=code, handling_per_unit=handling, processing_days=days)
        for code, handling, days in ConsolidationHub.objects.filter(
            is_active=True, location__is_active=True, location__kind__in=NODE_KINDS
        )
        .order_by("location__code")
        .values_list("location__code", "handling_per_unit", "processing_days")
    )
    return Consolidation(
        lanes=lanes,
        hubs=hubs,
        handling_per_unit=settings_row.consolidation_handling_per_unit,
        processing_days=settings_row.consolidation_processing_days,
        node_kinds=NODE_KINDS,
        origin_kinds=ORIGIN_KINDS,
    )


def _network_changed(**kwargs: Any) -> None:
    """A lane or hub changed: routing reloads its cost model (and these options with it), now and after commit."""
    cost_model_forget()
    transaction.on_commit(cost_model_forget)


for _model in (LinehaulLane, ConsolidationHub):
    post_save.connect(_network_changed, sender=_model, dispatch_uid=f"consolidation.{_model.__name__}.saved")
    post_delete.connect(_network_changed, sender=_model, dispatch_uid=f"consolidation.{_model.__name__}.deleted")
