"""Reads for inventory: every query a page or API needs, scoped to what the user may see.

Scoping rule: a user with `inventory.access_all_locations` sees every location; anyone else
sees only the locations granted to them through `LocationAccess`. Selectors apply the rule,
so a store associate who types another store's URL gets a 404, whatever the template shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404

from core.types import AnyUser as User
from core.types import user_has_perm
from inventory.models import (
    SKU,
    Location,
    LocationAccess,
    LocationKind,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
)

LOW_STOCK_THRESHOLD: int = getattr(settings, "LOW_STOCK_THRESHOLD", 5)


def sees_all_locations(user: User) -> bool:
    return user_has_perm(user, "inventory.access_all_locations")


def visible_location_ids(user: User) -> set[int] | None:
    """The ids of the locations a user may see, or None for every location."""
    if sees_all_locations(user):
        return None
    if not user.is_authenticated:
        return set()
    return set(LocationAccess.objects.filter(user_id=user.pk).values_list("location_id", flat=True))


def location_list(*, user: User, kind: str = "", include_inactive: bool = True) -> QuerySet[Location]:
    """Locations the user may see, with their stock totals, ordered by code."""
    qs = Location.objects.all()
    ids = visible_location_ids(user)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if kind:
        qs = qs.filter(kind=kind)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.annotate(
        total_on_hand=Coalesce(Sum("stock_levels__on_hand"), Value(0)),
        total_reserved=Coalesce(Sum("stock_levels__reserved"), Value(0)),
        sku_count=Count("stock_levels", filter=Q(stock_levels__on_hand__gt=0)),
    ).order_by("code")


def location_get(*, user: User, pk: int | None = None, code: str | None = None) -> Location:
    """One location the user may see, or 404 (never reveals that another store exists)."""
    qs = Location.objects.all()
    ids = visible_location_ids(user)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    try:
        return qs.get(pk=pk) if pk is not None else qs.get(code=code)
    except (Location.DoesNotExist, ValueError) as exc:
        raise Http404("No such location.") from exc


def sku_search(*, query: str = "", active_only: bool = False) -> QuerySet[SKU]:
    """SKUs matching a code, name, barcode or product name fragment."""
    qs = SKU.objects.all()
    if query:
        qs = qs.filter(
            Q(code__icontains=query)
            | Q(name__icontains=query)
            | Q(barcode=query)
            | Q(variant__product__name__icontains=query)
        )
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("code")


def sku_get(*, pk: int | None = None, code: str | None = None) -> SKU:
    try:
        # Its product comes along (a LEFT JOIN): the SKU page shows the variants without asking again.
        skus = SKU.objects.select_related("variant__product")
        return skus.get(pk=pk) if pk is not None else skus.get(code=code)
    except (SKU.DoesNotExist, ValueError) as exc:
        raise Http404("No such SKU.") from exc


ATP = Greatest(F("on_hand") - F("reserved") - F("safety_stock"), Value(0))


def _with_available(qs: QuerySet[StockLevel]) -> QuerySet[StockLevel]:
    """Annotate available-to-promise as `atp`."""
    return qs.annotate(atp=ATP)


def _low_stock(qs: QuerySet[StockLevel]) -> QuerySet[StockLevel]:
    """Levels whose available-to-promise is at or under the low-stock threshold."""
    return qs.alias(low_atp=ATP).filter(low_atp__lte=LOW_STOCK_THRESHOLD)


def stock_levels_for_sku(*, user: User, sku: SKU) -> QuerySet[StockLevel]:
    """The SKU's levels at every location the user may see, with ATP annotated as `atp`."""
    qs = StockLevel.objects.filter(sku=sku).select_related("location")
    ids = visible_location_ids(user)
    if ids is not None:
        qs = qs.filter(location_id__in=ids)
    return _with_available(qs).order_by("location__code")


def stock_levels_at_location(*, location: Location, query: str = "", low_only: bool = False) -> QuerySet[StockLevel]:
    """Levels at one (already access-checked) location, with ATP as `atp`."""
    qs = _with_available(StockLevel.objects.filter(location=location).select_related("sku"))
    if query:
        qs = qs.filter(Q(sku__code__icontains=query) | Q(sku__name__icontains=query) | Q(sku__barcode=query))
    if low_only:
        qs = _low_stock(qs)
    return qs.order_by("sku__code")


@dataclass
class GridFilters:
    query: str = ""
    location_id: int | None = None
    kind: str = ""
    low_stock: bool = False


def inventory_grid_skus(*, user: User, filters: GridFilters) -> QuerySet[SKU]:
    """SKUs for the inventory grid (SKU x location), filtered; levels come from `grid_levels`."""
    qs = sku_search(query=filters.query)
    if filters.low_stock:
        locations = grid_locations(user=user, filters=filters)
        low = _low_stock(StockLevel.objects.filter(location__in=locations))
        qs = qs.filter(pk__in=low.values("sku_id"))
    return qs


# Grid columns run from the main stock holders to the edges of the network, not by the kind's text.
GRID_KIND_ORDER = Case(
    When(kind=LocationKind.WAREHOUSE, then=Value(0)),
    When(kind=LocationKind.THIRD_PARTY, then=Value(1)),
    When(kind=LocationKind.STORE, then=Value(2)),
    When(kind=LocationKind.DROPSHIP_SUPPLIER, then=Value(3)),
    default=Value(4),
)


def grid_locations(*, user: User, filters: GridFilters) -> QuerySet[Location]:
    """Active locations the user may see, as grid columns: warehouses, 3PLs, stores, dropship suppliers, then code."""
    qs = Location.objects.filter(is_active=True)
    ids = visible_location_ids(user)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if filters.location_id:
        qs = qs.filter(pk=filters.location_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.order_by(GRID_KIND_ORDER, "code")


def stock_levels_for_export(*, user: User) -> QuerySet[StockLevel]:
    """Every stock level at the locations the user may see, with location and SKU loaded.

    Ordered by location code then SKU code, the order of the CSV export, which streams it in batches.
    """
    levels = StockLevel.objects.select_related("location", "sku").order_by("location__code", "sku__code")
    ids = visible_location_ids(user)
    return levels if ids is None else levels.filter(location_id__in=ids)


def grid_levels(*, sku_ids: list[int], location_ids: list[int]) -> dict[tuple[int, int], StockLevel]:
    """One query for every level shown on a grid page, keyed by (sku_id, location_id)."""
    rows = _with_available(StockLevel.objects.filter(sku_id__in=sku_ids, location_id__in=location_ids))
    return {(row.sku_id, row.location_id): row for row in rows}


@dataclass
class LedgerFilters:
    location_id: int | None = None
    kind: str = ""
    since: date | None = None
    until: date | None = None
    document: str = ""


def ledger_for_sku(*, user: User, sku: SKU, filters: LedgerFilters | None = None) -> QuerySet[StockMovement]:
    """The SKU's ledger rows, newest first, at locations the user may see."""
    filters = filters or LedgerFilters()
    qs = StockMovement.objects.filter(sku=sku).select_related("location", "actor")
    ids = visible_location_ids(user)
    if ids is not None:
        qs = qs.filter(location_id__in=ids)
    if filters.location_id:
        qs = qs.filter(location_id=filters.location_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.since:
        qs = qs.filter(created_at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(created_at__date__lte=filters.until)
    if filters.document:
        doc_type, _, doc_id = filters.document.partition(":")
        qs = qs.filter(document_type=doc_type, **({"document_id": doc_id} if doc_id else {}))
    return qs.order_by("-id")


def ledger_recent(*, user: User, location: Location | None = None, limit: int = 20) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.select_related("location", "sku", "actor")
    ids = visible_location_ids(user)
    if ids is not None:
        qs = qs.filter(location_id__in=ids)
    if location is not None:
        qs = qs.filter(location=location)
    return qs.order_by("-id")[:limit]


def availability_for_sku(*, user: User, sku: SKU) -> dict[str, Any]:
    """ATP of a SKU in total and per active location the user may see."""
    levels = stock_levels_for_sku(user=user, sku=sku).filter(location__is_active=True)
    per_location = [
        {
            "location": level.location.code,
            "location_name": level.location.name,
            "kind": level.location.kind,
            "on_hand": level.on_hand,
            "reserved": level.reserved,
            "safety_stock": level.safety_stock,
            "in_transit": level.in_transit,
            "available": level.atp,  # type: ignore[attr-defined]
        }
        for level in levels
    ]
    return {
        "sku": sku.code,
        "available": sum(row["available"] for row in per_location),
        "locations": per_location,
    }


def transfer_list(*, user: User, status: str = "") -> QuerySet[Transfer]:
    """Transfers touching a location the user may see, newest first, with their lines."""
    qs = Transfer.objects.select_related("source", "destination", "created_by").prefetch_related(
        Prefetch("lines", queryset=TransferLine.objects.select_related("sku").order_by("sku__code"))
    )
    ids = visible_location_ids(user)
    if ids is not None:
        qs = qs.filter(Q(source_id__in=ids) | Q(destination_id__in=ids))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def transfer_status_counts(*, user: User) -> dict[str, int]:
    """How many transfers touching the user's locations are in each status (one grouped query).

    Statuses without a transfer are absent from the result.
    """
    rows = transfer_list(user=user).prefetch_related(None).order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def active_locations() -> QuerySet[Location]:
    """Every active location, ordered by code, whoever asks.

    Deliberately not scoped to the user: a transfer leaves from one of the user's locations but
    may go to any active location.
    """
    return Location.objects.filter(is_active=True).order_by("code")


def transfer_get(*, user: User, pk: int) -> Transfer:
    try:
        return transfer_list(user=user).get(pk=pk)
    except Transfer.DoesNotExist as exc:
        raise Http404("No such transfer.") from exc


def dashboard_figures(*, user: User) -> dict[str, Any]:
    """Headline numbers and on-hand per location kind for the dashboard chart."""
    levels = StockLevel.objects.all()
    ids = visible_location_ids(user)
    if ids is not None:
        levels = levels.filter(location_id__in=ids)
    totals = levels.aggregate(
        on_hand=Coalesce(Sum("on_hand"), Value(0)),
        reserved=Coalesce(Sum("reserved"), Value(0)),
        in_transit=Coalesce(Sum("in_transit"), Value(0)),
    )
    by_kind = list(
        levels.values("location__kind")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
        .order_by("location__kind")
    )
    low = _low_stock(levels.filter(location__is_active=True)).count()
    return {
        "totals": totals,
        "by_kind": by_kind,
        "low_stock_count": low,
        "sku_count": SKU.objects.filter(is_active=True).count(),
        "location_count": location_list(user=user, include_inactive=False).count(),
    }
