"""The consolidation area: parcels waiting at a node for inbound units, what is missing and since when.

Scoped like the work queue: `fulfillment.work_shipments` and the nodes among the user's
locations (`inventory.selectors.visible_location_ids`); another node's legs are a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from core.types import AnyUser, user_has_perm
from fulfillment.models import (
    ConsolidationHold,
    ConsolidationLeg,
    ConsolidationLegLine,
    HoldStatus,
    LegStatus,
    ShipmentLine,
)
from inventory.models import Location
from inventory.selectors import visible_location_ids

WORK = "fulfillment.work_shipments"


@dataclass(frozen=True)
class LegRow:
    """One inbound leg as the page shows it: where from, which transfer, what it brings, when."""

    leg: ConsolidationLeg
    lines: list[tuple[str, int]]
    units: int
    late_days: int

    @property
    def is_open(self) -> bool:
        return self.leg.status == LegStatus.OPEN

    @property
    def late(self) -> bool:
        return self.late_days > 0


@dataclass(frozen=True)
class HoldRow:
    """A parcel waiting at its node: what is there, what is missing, since when."""

    hold: ConsolidationHold
    at_node: list[tuple[str, int]]
    legs: list[LegRow]

    @property
    def since(self) -> datetime:
        return self.hold.created_at

    @property
    def missing_units(self) -> int:
        return sum(row.units for row in self.legs if row.is_open)

    @property
    def late(self) -> bool:
        return any(row.late for row in self.legs if row.is_open)


@dataclass(frozen=True)
class NodeGroup:
    """The parcels waiting at one node."""

    node: Location
    holds: list[HoldRow]

    @property
    def late_count(self) -> int:
        return sum(1 for row in self.holds if row.late)


def _node_scope(user: AnyUser | object) -> set[int] | None:
    """The nodes the user may see: None for every node."""
    return visible_location_ids(user)  # type: ignore[arg-type]


def _holds(user: AnyUser | object) -> QuerySet[ConsolidationHold]:
    if not user_has_perm(user, WORK):  # type: ignore[arg-type]
        return ConsolidationHold.objects.none()
    ids = _node_scope(user)
    qs = ConsolidationHold.objects.filter(status=HoldStatus.WAITING)
    return qs if ids is None else qs.filter(node_id__in=ids)


def consolidation_queue(*, user: AnyUser | object, today: date) -> list[NodeGroup]:
    """Every parcel waiting at the user's nodes, grouped by node, oldest first; a leg expected
    before `today` and still on its way is late. Four queries whatever the page holds."""
    legs = (
        ConsolidationLeg.objects.select_related("transfer", "origin")
        .prefetch_related(Prefetch("lines", queryset=ConsolidationLegLine.objects.select_related("sku").order_by("pk")))
        .order_by("pk")
    )
    holds = (
        _holds(user)
        .select_related("node", "order", "shipment")
        .prefetch_related(
            Prefetch("legs", queryset=legs),
            Prefetch("shipment__lines", queryset=ShipmentLine.objects.select_related("sku").order_by("pk")),
        )
        .order_by("node__code", "created_at", "pk")
    )
    groups: dict[int, NodeGroup] = {}
    for hold in holds:
        rows = []
        for leg in hold.legs.all():
            missing = [(line.sku.code, line.quantity - line.quantity_received) for line in leg.lines.all()]
            late = 0
            if leg.status == LegStatus.OPEN and leg.expected_arrival is not None and leg.expected_arrival < today:
                late = (today - leg.expected_arrival).days
            rows.append(LegRow(leg=leg, lines=missing, units=sum(count for _, count in missing), late_days=late))
        at_node = [(line.sku.code, line.quantity) for line in hold.shipment.lines.all()]
        group = groups.setdefault(hold.node_id, NodeGroup(node=hold.node, holds=[]))
        group.holds.append(HoldRow(hold=hold, at_node=at_node, legs=rows))
    return list(groups.values())


def consolidation_leg_get(*, user: AnyUser | object, pk: int) -> ConsolidationLeg:
    """A leg of a parcel waiting at one of the user's nodes, or 404."""
    qs = ConsolidationLeg.objects.select_related("transfer", "origin", "hold__node").filter(
        hold__in=_holds(user).values("pk")
    )
    try:
        return qs.get(pk=pk)
    except ConsolidationLeg.DoesNotExist as exc:
        raise Http404("No such consolidation leg.") from exc


def consolidation_node_ids(*, user: AnyUser | object) -> list[int] | None:
    """The nodes whose arrivals the user may check: None for every node, [] for none."""
    if not user_has_perm(user, WORK):  # type: ignore[arg-type]
        return []
    ids = _node_scope(user)
    return None if ids is None else sorted(ids)
