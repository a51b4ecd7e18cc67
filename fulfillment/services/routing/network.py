"""Writes of what consolidation plans with: linehaul lanes, hubs, and a routing policy's permission.

Each write is checked like the other routing settings (`validated_save`) and makes routing reload
its cost model once the transaction commits (the consolidation options are cached with it).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from channels.models import Channel
from core.errors import ValidationFailed
from fulfillment.models import ConsolidationHub, LinehaulLane, RoutingPolicy
from fulfillment.services.rates.common import MAX_TRANSIT_DAYS, after_commit_forget, validated_save
from inventory.models import Location, LocationKind


def linehaul_lane_set(
    *,
    origin: Location,
    destination: Location,
    transit_days: int,
    cost_per_unit: Decimal = Decimal("0.00"),
    cost_per_kg: Decimal = Decimal("0.000"),
    is_active: bool = True,
) -> LinehaulLane:
    """Create or change the lane from `origin` to `destination` (one per pair)."""
    if origin.pk == destination.pk:
        raise ValidationFailed("A lane joins two different locations.", field="destination")
    if not 0 <= transit_days <= MAX_TRANSIT_DAYS:
        raise ValidationFailed(f"Transit takes 0 to {MAX_TRANSIT_DAYS} days.", field="transit_days")
    with transaction.atomic():
        lane = LinehaulLane.objects.select_for_update().filter(origin=origin, destination=destination).first()
        lane = lane or LinehaulLane(origin=origin, destination=destination)
        lane.transit_days = transit_days
        lane.cost_per_unit = cost_per_unit
        lane.cost_per_kg = cost_per_kg
        lane.is_active = is_active
        validated_save(lane)
        after_commit_forget()
    return lane


def consolidation_hub_set(
    *,
    location: Location,
    handling_per_unit: Decimal = Decimal("0.60"),
    processing_days: int = 1,
    is_active: bool = True,
) -> ConsolidationHub:
    """Flag a warehouse as a consolidation hub (or change its figures)."""
    if location.kind != LocationKind.WAREHOUSE:
        raise ValidationFailed("Only a warehouse can be a consolidation hub.", field="location")
    if not 0 <= processing_days <= MAX_TRANSIT_DAYS:
        raise ValidationFailed(f"Processing takes 0 to {MAX_TRANSIT_DAYS} days.", field="processing_days")
    with transaction.atomic():
        hub = ConsolidationHub.objects.select_for_update().filter(location=location).first()
        hub = hub or ConsolidationHub(location=location)
        hub.handling_per_unit = handling_per_unit
        hub.processing_days = processing_days
        hub.is_active = is_active
        validated_save(hub)
        after_commit_forget()
    return hub


def consolidation_allow(*, allow: bool, channel: Channel | None = None) -> RoutingPolicy:
    """Let routing consolidate (or not) for a channel with its own policy, or by default (no channel).

    A channel that follows the default rules has no policy of its own to change: refused, since
    giving it one would drop the default rules for it.
    """
    with transaction.atomic():
        policy = RoutingPolicy.objects.select_for_update().filter(channel=channel).first()
        if policy is None and channel is not None:
            raise ValidationFailed(
                f"{channel} follows the default routing rules; allow consolidation there, or give it its own rules.",
                field="channel",
            )
        policy = policy or RoutingPolicy(channel=None)
        policy.allow_consolidation = allow
        validated_save(policy)
        after_commit_forget()
    return policy
