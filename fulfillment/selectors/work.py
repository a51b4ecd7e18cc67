"""Work at a location: the queue (tabs per shipment status), pick lists and packing progress.

Reads for the work pages (`fulfillment.views.work`), scoped like every selector: a user sees
the shipments and pick lists of the locations `visible_location_ids` gives, and only with
the `fulfillment.work_shipments` permission. Pickups are worked on the store's pickup
screens instead (`fulfillment.views.pickups`).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404

from core.types import AnyUser, user_has_perm
from fulfillment.models import (
    HoldStatus,
    PackScan,
    PickList,
    PickListStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from fulfillment.scanning import ScanMatcher
from inventory.models import Location, LocationKind
from inventory.selectors import visible_location_ids

# --- Work at a location: the queue, pick lists, packing ----------------------------------------

#: The work queue's tabs: key, the shipment status it lists, label.
WORK_TABS: list[tuple[str, str, str]] = [
    ("accept", ShipmentStatus.REQUESTED, "To accept"),
    ("pick", ShipmentStatus.ACCEPTED, "To pick"),
    ("pack", ShipmentStatus.PICKING, "To pack"),
    ("ship", ShipmentStatus.PACKED, "To ship"),
    ("shipped", ShipmentStatus.SHIPPED, "Shipped today"),
]


def _location_ids(user: AnyUser | object) -> set[int] | None:
    """`visible_location_ids`, asked once per request: the answer is kept on the request's user."""
    cached = getattr(user, "_work_location_ids", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    ids = visible_location_ids(user)  # type: ignore[arg-type]
    with contextlib.suppress(AttributeError):  # an object without attributes: ask again next time
        user._work_location_ids = ids  # type: ignore[union-attr]
    return ids


def _work_scope(user: AnyUser | object) -> QuerySet[Shipment]:
    """Shipments at the locations the user may see; none without the work permission."""
    if not user_has_perm(user, "fulfillment.work_shipments"):  # type: ignore[arg-type]
        return Shipment.objects.none()
    ids = _location_ids(user)
    # Pickups are worked on the store's pickup screens (fulfillment.views.pickups), not shipped; a dropship
    # supplier's shipments are its own work, done against a purchase order (the partners app), not in our queue.
    scope = Shipment.objects.exclude(order__delivery_method="pickup").exclude(
        location__kind=LocationKind.DROPSHIP_SUPPLIER
    )
    # A 3PL location whose partner has a connector: the 3PL does the work, sent to it by the partners app.
    scope = scope.exclude(location__kind=LocationKind.THIRD_PARTY, location__partners__connector__gt="")
    # A parcel waiting at a consolidation node for inbound units is on the consolidation page until they arrive.
    scope = scope.exclude(consolidation_hold__status=HoldStatus.WAITING)
    return scope if ids is None else scope.filter(location_id__in=ids)


def work_locations(*, user: AnyUser | object) -> list[Location]:
    """The active locations whose work the user may see and do, by code."""
    qs = (
        Location.objects.filter(is_active=True)
        .filter(Q(ships_orders=True) | Q(offers_pickup=True))
        .exclude(kind=LocationKind.DROPSHIP_SUPPLIER)
    )
    ids = _location_ids(user)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(qs.order_by("code").only("code", "name", "kind"))


def _tab_condition(key: str, status: str, today: date) -> Q:
    if key == "shipped":
        return Q(status=status, shipped_at__date=today)
    return Q(status=status)


def work_counts(*, user: AnyUser | object, location: Location | None, today: date) -> dict[str, int]:
    """Shipments per work-queue tab at one location (or all of the user's), in one query."""
    qs = _work_scope(user)
    if location is not None:
        qs = qs.filter(location=location)
    return qs.aggregate(**{key: Count("pk", filter=_tab_condition(key, status, today)) for key, status, _ in WORK_TABS})


def work_queue(*, user: AnyUser | object, location: Location | None, tab: str, today: date) -> QuerySet[Shipment]:
    """One tab of the work queue: the shipments to act on, most urgent first (ship-by date),
    with their order, location, package and lines. Three queries whatever the page holds.
    """
    status = {key: value for key, value, _ in WORK_TABS}[tab]
    qs = _work_scope(user).filter(_tab_condition(tab, status, today))
    if location is not None:
        qs = qs.filter(location=location)
    return (
        qs.select_related("order", "location")
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("sku").order_by("pk")), "packages"
        )
        .order_by(F("ship_by").asc(nulls_last=True), "pk")
    )


def work_shipment_get(*, user: AnyUser | object, pk: int) -> Shipment:
    """A shipment at one of the user's locations, or 404 (another store's shipment does not exist for you)."""
    qs = (
        _work_scope(user)
        .select_related("order", "location")
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("sku").order_by("pk")), "packages"
        )
    )
    try:
        return qs.get(pk=pk)
    except Shipment.DoesNotExist as exc:
        raise Http404("No such shipment.") from exc


def work_shipments_by_ids(*, user: AnyUser | object, ids: Sequence[int]) -> list[Shipment]:
    """The shipments of a batch that are at the user's locations (others are left out)."""
    return list(_work_scope(user).filter(pk__in=list(ids)).order_by("pk"))


def _picklist_scope(user: AnyUser | object) -> QuerySet[PickList]:
    if not user_has_perm(user, "fulfillment.work_shipments"):  # type: ignore[arg-type]
        return PickList.objects.none()
    ids = _location_ids(user)
    return PickList.objects.all() if ids is None else PickList.objects.filter(location_id__in=ids)


def open_picklists(*, user: AnyUser | object, location: Location | None) -> QuerySet[PickList]:
    """Pick lists still being worked, newest first, with their location and shipment count."""
    qs = _picklist_scope(user).filter(status=PickListStatus.OPEN)
    if location is not None:
        qs = qs.filter(location=location)
    return qs.select_related("location").annotate(shipment_count=Count("shipments")).order_by("-created_at", "-id")


def picklist_get(*, user: AnyUser | object, pk: int) -> PickList:
    """A pick list of one of the user's locations with its shipments, their orders and lines, or 404."""
    shipments = (
        Shipment.objects.select_related("order")
        .prefetch_related(Prefetch("lines", queryset=ShipmentLine.objects.select_related("sku").order_by("pk")))
        .order_by("pk")
    )
    qs = (
        _picklist_scope(user)
        .select_related("location", "created_by")
        .prefetch_related(Prefetch("shipments", queryset=shipments))
    )
    try:
        return qs.get(pk=pk)
    except PickList.DoesNotExist as exc:
        raise Http404("No such pick list.") from exc


@dataclass(frozen=True)
class PackLine:
    """One SKU of a shipment at the packing bench: how many units it holds and how many were scanned."""

    sku_code: str
    name: str
    barcode: str
    expected: int
    scanned: int

    @property
    def done(self) -> bool:
        return self.scanned == self.expected

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.scanned / self.expected)) if self.expected else 100


@dataclass(frozen=True)
class PackProgress:
    """What has been scanned for a shipment so far, per SKU, and whether the last scan was refused."""

    lines: list[PackLine]
    scanned: list[str]
    error: str = ""

    @property
    def expected_units(self) -> int:
        return sum(line.expected for line in self.lines)

    @property
    def scanned_units(self) -> int:
        return sum(line.scanned for line in self.lines)

    @property
    def complete(self) -> bool:
        return all(line.done for line in self.lines)


def pack_progress(*, shipment: Shipment, scanned: Sequence[str], add: str = "") -> PackProgress:
    """Match scans (barcode or SKU code, as `shipment_pack` matches them) to the shipment's lines.

    `scanned` are the scans accepted so far; `add` is a new one, accepted only if it is a unit
    of the shipment still missing, otherwise `error` says why and the list stays as it was.
    Uses the shipment's prefetched lines (no query).
    """
    expected: Counter[str] = Counter()
    skus: dict[str, Any] = {}
    for line in shipment.lines.all():
        expected[line.sku.code] += line.quantity
        skus[line.sku.code] = line.sku
    matcher = ScanMatcher((skus[code], code) for code in sorted(skus))
    found = matcher.partition(scanned)
    accepted = [code for code, _ in found.matched]
    counts = Counter(sku_code for _, sku_code in found.matched)
    error = ""
    code = add.strip()
    if code:
        sku_code = matcher.match(code)
        if sku_code is None:
            error = f"{code} is not in {shipment.number}. Put that item aside and scan the next one."
        elif counts[sku_code] >= expected[sku_code]:
            error = (
                f"{sku_code}: all {expected[sku_code]} already scanned. "
                "That unit is one too many: put it back on the shelf."
            )
        else:
            accepted.append(code)
            counts[sku_code] += 1
    lines = [
        PackLine(
            sku_code=sku_code,
            name=skus[sku_code].name,
            barcode=skus[sku_code].barcode,
            expected=expected[sku_code],
            scanned=counts[sku_code],
        )
        for sku_code in sorted(expected)
    ]
    return PackProgress(lines=lines, scanned=accepted, error=error)


def work_location_get(*, user: AnyUser | object, code: str) -> Location:
    """A location whose work the user may do, by code, or 404."""
    for location in work_locations(user=user):
        if location.code == code:
            return location
    raise Http404("No such location.")


def pack_bench(*, shipment: Shipment) -> tuple[list[str], list[int]]:
    """The units scanned so far at the packing bench, in order, and where each box after the first starts.

    One query. A break `b` means box n+1 starts at the b-th scan (the page's `breaks`).
    """
    codes: list[str] = []
    breaks: list[int] = []
    box = 1
    for code, box_number in (
        PackScan.objects.filter(shipment_id=shipment.pk).order_by("pk").values_list("code", "box_number")
    ):
        if box_number != box and codes:
            breaks.append(len(codes))
        box = box_number
        codes.append(code)
    return codes, breaks
