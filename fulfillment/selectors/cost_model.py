"""The cost model and routing rules routing plans with, read from the database and cached in-process.

A read-side module: routing (`fulfillment.services.routing`), the rate calculator and the
store selectors read the same cached figures here, without importing any write service.
Every write of a policy, or of a location a policy may name, forgets the cached rules (the
signal receivers below); rate edits forget it through `cost_model_forget` after commit.
"""

from __future__ import annotations

import time as monotonic
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q
from django.db.models.signals import m2m_changed, post_delete, post_save

from channels.models import Channel
from fulfillment.models import CarrierService, CostSettings, RoutingPolicy, ZoneBand
from fulfillment.routing import DEFAULT_ZONE_BANDS, CostModel, RateCard, Rules
from inventory.models import Location, LocationKind

COST_MODEL_TTL_SECONDS = 30.0
_cost_model_cache: dict[str, Any] = {}
# Bumped by every forget: a value read from the database before a forget is not cached after it.
_cache_generation = [0]


def _rate_cards() -> list[RateCard]:
    services = CarrierService.objects.filter(is_active=True, carrier__is_active=True).select_related("carrier")
    services = services.prefetch_related("rates", "transit_times")
    cards = []
    for service in services:
        rates: dict[int, list[tuple[int, Decimal]]] = {}
        for row in sorted(service.rates.all(), key=lambda r: (r.zone, r.max_weight_grams)):
            rates.setdefault(row.zone, []).append((row.max_weight_grams, row.price))
        transit = {row.zone: row.days for row in service.transit_times.all()}
        cards.append(
            RateCard(
                carrier=service.carrier.code,
                service=service.code,
                level=service.level,
                transit_days=transit,
                rates=rates,
            )
        )
    return cards


def cost_model_load(*, fresh: bool = False) -> CostModel:
    """The merchant's cost model from the database, cached in-process for a few seconds.

    Rate edits reach routing within `COST_MODEL_TTL_SECONDS`; `fresh=True` skips the cache.
    """
    cached = _cost_model_cache.get("model")
    if cached and not fresh and monotonic.monotonic() - cached[0] < COST_MODEL_TTL_SECONDS:
        return cached[1]
    generation, read_at = _cache_generation[0], monotonic.monotonic()
    settings_row = CostSettings.objects.first() or CostSettings()
    bands = tuple((float(band.max_miles), band.zone) for band in ZoneBand.objects.order_by("max_miles"))
    model = CostModel(
        rate_cards=tuple(_rate_cards()),
        zone_bands=bands or DEFAULT_ZONE_BANDS,
        handling_by_kind={
            LocationKind.WAREHOUSE: settings_row.handling_warehouse,
            LocationKind.STORE: settings_row.handling_store,
            LocationKind.THIRD_PARTY: settings_row.handling_3pl,
            LocationKind.DROPSHIP_SUPPLIER: settings_row.handling_dropship,
        },
        package_cost=settings_row.package_cost,
        late_penalty_per_day=settings_row.late_penalty_per_day,
        backorder_penalty_per_unit=settings_row.backorder_penalty_per_unit,
    )
    if generation == _cache_generation[0]:
        _cost_model_cache["model"] = (read_at, model)
    return model


def cost_model_forget() -> None:
    """Drop the cached cost model and routing rules (after staff edit rates or rules, and between tests)."""
    _cache_generation[0] += 1
    _cost_model_cache.clear()


def _routing_policy_changed(**kwargs: Any) -> None:
    """A routing policy (or a location a policy may name) changed: forget the cached rules now
    (this process) and again after commit (so no request re-reads the old rules meanwhile)."""
    cost_model_forget()
    transaction.on_commit(cost_model_forget)


# Every write of a policy forgets the cached rules, whoever makes it (service, admin, shell, tests).
post_save.connect(_routing_policy_changed, sender=RoutingPolicy, dispatch_uid="routing.policy_saved")
post_delete.connect(_routing_policy_changed, sender=RoutingPolicy, dispatch_uid="routing.policy_deleted")
m2m_changed.connect(
    _routing_policy_changed, sender=RoutingPolicy.excluded_locations.through, dispatch_uid="routing.policy_locations"
)
post_save.connect(_routing_policy_changed, sender=Location, dispatch_uid="routing.location_saved")


def routing_rules_for(channel: Channel) -> Rules:
    """The channel's routing policy, or the merchant's default one, as engine rules.

    Cached in-process with the cost model (`COST_MODEL_TTL_SECONDS`); any write of a policy
    forgets it (signals above), so this process routes with new rules at once and the other
    worker processes within the TTL.
    """
    key = f"rules:{channel.pk}"
    cached = _cost_model_cache.get(key)
    if cached and monotonic.monotonic() - cached[0] < COST_MODEL_TTL_SECONDS:
        return cached[1]
    generation, read_at = _cache_generation[0], monotonic.monotonic()
    rules = _rules_from_database(channel)
    if generation == _cache_generation[0]:
        _cost_model_cache[key] = (read_at, rules)
    return rules


def _rules_from_database(channel: Channel) -> Rules:
    policies = {
        policy.channel_id: policy
        for policy in RoutingPolicy.objects.filter(Q(channel=channel) | Q(channel__isnull=True)).prefetch_related(
            Prefetch("excluded_locations", queryset=Location.objects.only("code"))
        )
    }
    policy = policies.get(channel.pk) or policies.get(None)
    if policy is None:
        return Rules()
    return Rules(
        excluded_locations=frozenset(location.code for location in policy.excluded_locations.all()),
        excluded_kinds=frozenset(policy.excluded_kinds or ()),
        priority_tiers=tuple(frozenset(tier) for tier in policy.priority_tiers or ()),
        max_packages=policy.max_packages,
        keep_together=tuple(frozenset(group) for group in policy.keep_together or ()),
        ship_from_store_radius_miles=(
            float(policy.ship_from_store_radius_miles) if policy.ship_from_store_radius_miles else None
        ),
    )
