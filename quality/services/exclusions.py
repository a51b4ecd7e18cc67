"""Keeping routing away from partner locations whose goods fail inspection too often.

Routing already honours each routing policy's excluded locations (`fulfillment.RoutingPolicy`),
so quality adds a location there, through fulfillment's own `routing_policy_set`, when its defect
rate over the policy's window is above the threshold, and takes it out again when the rate drops.
Quality remembers which policies it changed (`DefectExclusion`): a location staff excluded by
hand is never put back by quality. Only partner locations (3PLs, dropship suppliers) are
excluded: a defect found at our own warehouse is the supplier's, not the warehouse's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch

from fulfillment.models import RoutingPolicy
from fulfillment.services.rates import PolicyRules, routing_policy_set
from inventory.models import Location, LocationKind
from quality.models import DefectExclusion
from quality.selectors import DefectRate, defect_rates

PARTNER_KINDS = (LocationKind.THIRD_PARTY, LocationKind.DROPSHIP_SUPPLIER)


@dataclass
class ExclusionReport:
    """Which location codes a run excluded, kept excluded, and let back in."""

    excluded: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    lifted: list[str] = field(default_factory=list)


def _above(threshold: Decimal | None, days: int, minimum_units: int, now: datetime | None) -> dict[int, DefectRate]:
    if threshold is None:
        return {}
    partner_ids = set(Location.objects.filter(kind__in=PARTNER_KINDS).values_list("pk", flat=True))
    rates = defect_rates(location_ids=partner_ids, days=days, by_sku=False, now=now)
    return {
        rate.location_id: rate for rate in rates if rate.inspected >= minimum_units and rate.rate_percent > threshold
    }


def _policy_rules(policy: RoutingPolicy, excluded: list[str]) -> PolicyRules:
    return PolicyRules(
        excluded_locations=excluded,
        excluded_kinds=list(policy.excluded_kinds or ()),
        priority_tiers=[list(tier) for tier in policy.priority_tiers or ()],
        max_packages=policy.max_packages,
        keep_together=[list(group) for group in policy.keep_together or ()],
        ship_from_store_radius_miles=policy.ship_from_store_radius_miles,
    )


def defect_exclusions_apply(
    *, threshold: Decimal | None, days: int = 30, minimum_units: int = 20, now: datetime | None = None
) -> ExclusionReport:
    """Exclude from every routing policy the partner locations above `threshold` percent defects
    (over the last `days`, once `minimum_units` were inspected); lift the exclusions quality made
    for locations now at or under it. `threshold=None` lifts them all. Idempotent."""
    report = ExclusionReport()
    above = _above(threshold, days, minimum_units, now)
    with transaction.atomic():
        policies = list(
            RoutingPolicy.objects.select_for_update(of=("self",))
            .select_related("channel")
            .prefetch_related(Prefetch("excluded_locations", queryset=Location.objects.only("code")))
            .order_by("pk")
        )
        if above and not policies:
            policies = [routing_policy_set(rules=PolicyRules())]
        current = {policy.pk: [loc.code for loc in policy.excluded_locations.all()] for policy in policies}
        wanted = {pk: list(codes) for pk, codes in current.items()}
        codes = dict(Location.objects.filter(pk__in=above).values_list("pk", "code"))
        existing = {
            exclusion.location_id: exclusion
            for exclusion in DefectExclusion.objects.select_related("location").prefetch_related("policies")
        }
        added_to: dict[int, list[RoutingPolicy]] = {}
        for location_id, rate in sorted(above.items()):
            code = codes[location_id]
            (report.kept if location_id in existing else report.excluded).append(code)
            added_to[location_id] = []
            for policy in policies:
                if code not in wanted[policy.pk]:
                    wanted[policy.pk].append(code)
                    added_to[location_id].append(policy)
            exclusion, _created = DefectExclusion.objects.update_or_create(
                location_id=location_id,
                defaults={
                    "inspected_units": rate.inspected,
                    "failed_units": rate.failed,
                    "rate_percent": rate.rate_percent,
                },
            )
            if added_to[location_id]:
                exclusion.policies.add(*added_to[location_id])
        for location_id, exclusion in existing.items():
            if location_id in above:
                continue
            report.lifted.append(exclusion.location.code)
            for policy in exclusion.policies.all():
                if policy.pk in wanted and exclusion.location.code in wanted[policy.pk]:
                    wanted[policy.pk].remove(exclusion.location.code)
            exclusion.delete()
        for policy in policies:
            if sorted(wanted[policy.pk]) != sorted(current[policy.pk]):
                routing_policy_set(rules=_policy_rules(policy, wanted[policy.pk]), channel=policy.channel)
    return report
