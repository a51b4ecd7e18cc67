"""Reads for inspections, rules and the quarantine, scoped to the locations the user may see."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404

from core.types import AnyUser
from fulfillment.models import Shipment
from inventory.models import Location
from inventory.selectors import visible_location_ids
from quality.matching import BEFORE_SHIP, RuleFacts, best_rule, sample_quantity
from quality.models import (
    Inspection,
    InspectionStatus,
    InspectionTrigger,
    InspectionUnit,
    QcRule,
    QuarantineLot,
)


def _scoped(qs: QuerySet[Any], user: AnyUser, field: str = "location_id") -> QuerySet[Any]:
    ids = visible_location_ids(user)
    return qs if ids is None else qs.filter(**{f"{field}__in": ids})


def active_rule_facts(*, trigger: str) -> tuple[list[RuleFacts], dict[int, QcRule]]:
    """Every active rule for inbound or before-ship inspections, as matching facts and by id."""
    flag = {"before_ship": True} if trigger == BEFORE_SHIP else {"on_inbound": True}
    rules = list(
        QcRule.objects.filter(is_active=True, **flag).prefetch_related(
            Prefetch("locations", queryset=Location.objects.only("id"))
        )
    )
    facts = [
        RuleFacts(
            rule_id=rule.pk,
            sku_id=rule.sku_id,
            location_ids=frozenset(location.pk for location in rule.locations.all()),
            min_unit_price=rule.min_unit_price,
            on_inbound=rule.on_inbound,
            before_ship=rule.before_ship,
            sample_mode=rule.sample_mode,
            sample_size=rule.sample_size,
        )
        for rule in rules
    ]
    return facts, {rule.pk: rule for rule in rules}


def qc_rules_for_locations(*, location_ids: list[int] | set[int]) -> list[QcRule]:
    """Active or not, the rules that name any of these locations (a partner's rules, for its page)."""
    return list(
        QcRule.objects.filter(locations__in=list(location_ids))
        .distinct()
        .select_related("sku")
        .prefetch_related(Prefetch("locations", queryset=Location.objects.order_by("code")))
        .order_by("name", "id")
    )


def qc_rule_list() -> QuerySet[QcRule]:
    """Every rule, for the rules page."""
    return (
        QcRule.objects.select_related("sku")
        .prefetch_related(Prefetch("locations", queryset=Location.objects.order_by("code")))
        .order_by("-is_active", "name", "id")
    )


def inspections_open(*, user: AnyUser, location_id: int | None = None) -> QuerySet[Inspection]:
    """Inspections still to do at the user's locations, oldest first."""
    qs = Inspection.objects.filter(status=InspectionStatus.OPEN).select_related("location", "sku", "origin", "rule")
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    return _scoped(qs, user).order_by("created_at", "id")


def inspections_recent(*, user: AnyUser, limit: int = 10) -> list[Inspection]:
    """The last inspections recorded at the user's locations."""
    qs = Inspection.objects.exclude(status=InspectionStatus.OPEN).select_related("location", "sku", "inspected_by")
    return list(_scoped(qs, user).order_by("-inspected_at", "-id")[:limit])


def inspection_queue_locations(*, user: AnyUser) -> list[dict[str, Any]]:
    """The user's locations that have inspections to do, with how many (for the queue's location filter)."""
    qs = _scoped(Inspection.objects.filter(status=InspectionStatus.OPEN), user)
    counts: dict[int, int] = defaultdict(int)
    for location_id in qs.values_list("location_id", flat=True):
        counts[location_id] += 1
    locations = Location.objects.filter(pk__in=counts).order_by("code")
    return [{"location": location, "count": counts[location.pk]} for location in locations]


def inspection_get(*, user: AnyUser, pk: int) -> Inspection:
    """One inspection with its units and photos; 404 outside the user's locations."""
    qs = Inspection.objects.select_related(
        "location", "sku", "origin", "rule", "inspected_by", "shipment__order"
    ).prefetch_related(
        Prefetch("units", queryset=InspectionUnit.objects.order_by("number")),
        "photos",
        Prefetch("quarantine_lots", queryset=QuarantineLot.objects.prefetch_related("dispositions")),
    )
    inspection = _scoped(qs, user).filter(pk=pk).first()
    if inspection is None:
        raise Http404("No such inspection.")
    return inspection


def quarantine_lots_open(*, user: AnyUser, location_id: int | None = None) -> QuerySet[QuarantineLot]:
    """Lots with units still in quarantine at the user's locations, oldest first."""
    qs = QuarantineLot.objects.filter(quantity_open__gt=0).select_related("location", "sku", "inspection")
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    return _scoped(qs, user).order_by("created_at", "id")


def quarantine_lots_closed(*, user: AnyUser, limit: int = 15) -> list[QuarantineLot]:
    """Lots fully disposed of lately, with what became of them."""
    qs = (
        QuarantineLot.objects.filter(quantity_open=0)
        .select_related("location", "sku", "inspection")
        .prefetch_related("dispositions")
    )
    return list(_scoped(qs, user).order_by("-id")[:limit])


def quarantine_lot_get(*, user: AnyUser, pk: int) -> QuarantineLot:
    """One lot; 404 outside the user's locations."""
    lot = _scoped(QuarantineLot.objects.select_related("location", "sku"), user).filter(pk=pk).first()
    if lot is None:
        raise Http404("No such quarantine lot.")
    return lot


def shipment_qc_remaining(shipment: Shipment) -> dict[int, int]:
    """Units per SKU of the shipment a before-ship rule wants inspected that have not passed yet.

    A unit that failed does not count: the packer inspects its replacement.
    """
    rules, _by_id = active_rule_facts(trigger=BEFORE_SHIP)
    if not rules:
        return {}
    wanted: dict[int, int] = defaultdict(int)
    prices: dict[int, Any] = {}
    for line in shipment.lines.select_related("sku").only("sku_id", "quantity", "sku__price"):
        wanted[line.sku_id] += line.quantity
        prices[line.sku_id] = line.sku.price
    passed = dict(
        Inspection.objects.filter(shipment=shipment, trigger=InspectionTrigger.BEFORE_SHIP)
        .values("sku_id")
        .annotate(passed_sum=Sum("passed_units"))
        .values_list("sku_id", "passed_sum")
    )
    remaining = {}
    for sku_id, quantity in wanted.items():
        facts = best_rule(
            rules,
            location_id=shipment.location_id,
            sku_id=sku_id,
            unit_price=prices[sku_id],
            trigger=BEFORE_SHIP,
            quantity=quantity,
        )
        if facts is None:
            continue
        left = sample_quantity(facts.sample_mode, facts.sample_size, quantity) - (passed.get(sku_id) or 0)
        if left > 0:
            remaining[sku_id] = left
    return remaining


def qc_required_before_ship(shipment: Shipment) -> bool:
    """True while units of this shipment that a before-ship rule covers have not passed an inspection."""
    return bool(shipment_qc_remaining(shipment))
