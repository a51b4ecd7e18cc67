"""Reads for cycle count sessions: the list, one session with its lines, and choosing the SKUs to count.

Scoped like every inventory read (`inventory.selectors.visible_location_ids`): a session at a
location the user may not see is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.http import Http404

from core.types import AnyUser as User
from inventory.catalog_selectors import bin_path_subquery
from inventory.models import (
    SKU,
    BinLocation,
    CountLine,
    CountLineStatus,
    CountSession,
    Location,
    StockLevel,
    StockMovement,
)
from inventory.selectors import visible_location_ids
from inventory.services.catalog_variants import bin_sort_key


def count_session_list(*, user: User, status: str = "") -> QuerySet[CountSession]:
    """Sessions at the user's locations, newest first, with line and variance totals (one query)."""
    counted = Q(lines__status__in=[CountLineStatus.COUNTED, CountLineStatus.APPROVED, CountLineStatus.REJECTED])
    qs = CountSession.objects.select_related("location", "created_by").annotate(
        line_total=Count("lines"),
        line_counted=Count("lines", filter=counted),
        line_to_decide=Count("lines", filter=Q(lines__status=CountLineStatus.COUNTED)),
        variance_units=Sum(F("lines__counted") - F("lines__expected"), filter=counted),
    )
    ids = visible_location_ids(user)
    if ids is not None:
        qs = qs.filter(location_id__in=ids)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def count_session_status_counts(*, user: User) -> dict[str, int]:
    """How many sessions at the user's locations are in each status (one grouped query)."""
    qs = CountSession.objects.all()
    ids = visible_location_ids(user)
    if ids is not None:
        qs = qs.filter(location_id__in=ids)
    return {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("pk")).order_by()}


def count_session_get(*, user: User, pk: int) -> CountSession:
    """One session at the user's locations with its lines, SKUs and who counted or decided them."""
    qs = CountSession.objects.select_related("location", "created_by")
    ids = visible_location_ids(user)
    if ids is not None:
        qs = qs.filter(location_id__in=ids)
    try:
        return qs.get(pk=pk)
    except CountSession.DoesNotExist as exc:
        raise Http404("No such count session.") from exc


def count_lines(*, session: CountSession) -> list[CountLine]:
    """The session's lines in the order a counter walks them (bin path, then SKU code; no bin last).

    Each line knows its session and carries `bin_path` (None without a bin), in one query.
    """
    lines: list[CountLine] = list(
        CountLine.objects.filter(session=session)
        .select_related("sku", "counted_by", "decided_by")
        .annotate(bin_path=bin_path_subquery(sku_ref="sku_id", location_id=session.location_id))
        .order_by("sku__code")
    )
    for line in lines:
        line.session = session
    lines.sort(key=lambda line: bin_sort_key(getattr(line, "bin_path", None)))
    return lines


def count_line_bin(*, line: CountLine) -> str | None:
    """The bin path of a line's SKU at the session's location (None without a bin)."""
    path = BinLocation.objects.filter(location_id=line.session.location_id, sku_id=line.sku_id).values_list(
        "path", flat=True
    )
    return path.first()


def count_progress(*, session: CountSession) -> tuple[int, int]:
    """(lines counted, lines in all) of a session, in one query."""
    totals = session.lines.aggregate(counted=Count("pk", filter=~Q(status=CountLineStatus.PENDING)), total=Count("pk"))
    return totals["counted"], totals["total"]


@dataclass(frozen=True)
class ReviewRow:
    """A counted line as a supervisor sees it: with on hand now and whether stock moved since the count."""

    line: CountLine
    on_hand_now: int
    moved_since: bool


@dataclass(frozen=True)
class VarianceTotals:
    units_net: int
    units_absolute: int
    value_net: Decimal
    value_absolute: Decimal


def count_review(*, session: CountSession, lines: list[CountLine]) -> tuple[list[ReviewRow], VarianceTotals]:
    """Rows for the approval table and the session's variance totals (two queries, whatever the size)."""
    sku_ids = [line.sku_id for line in lines]
    on_hand = dict(
        StockLevel.objects.filter(location_id=session.location_id, sku_id__in=sku_ids).values_list("sku_id", "on_hand")
    )
    last = dict(
        StockMovement.objects.filter(location_id=session.location_id, sku_id__in=sku_ids)
        .values("sku_id")
        .annotate(last=Max("id"))
        .values_list("sku_id", "last")
    )
    rows = []
    units_net = units_abs = 0
    value_net = value_abs = Decimal("0.00")
    for line in lines:
        counted = line.status != CountLineStatus.PENDING
        moved = counted and line.status == CountLineStatus.COUNTED and last.get(line.sku_id) != line.ledger_mark
        rows.append(ReviewRow(line, on_hand.get(line.sku_id, 0), moved))
        if counted and line.variance is not None:
            value = line.variance_value or Decimal("0.00")
            units_net += line.variance
            units_abs += abs(line.variance)
            value_net += value
            value_abs += abs(value)
    return rows, VarianceTotals(units_net, units_abs, value_net, value_abs)


@dataclass
class SkuChoice:
    """The SKUs a new session will count, and what could not be matched."""

    sku_ids: list[int]
    unknown: list[str]
    scope: str


def skus_by_codes(raw: str) -> SkuChoice:
    """SKUs by code or barcode, typed or scanned one per line (or separated by commas or spaces)."""
    tokens = list(dict.fromkeys(t for t in raw.replace(",", " ").split() if t))
    found = SKU.objects.filter(Q(code__in=tokens) | Q(barcode__in=tokens)).values_list("pk", "code", "barcode")
    by_token: dict[str, int] = {}
    for pk, code, barcode in found:
        by_token[code] = pk
        if barcode:
            by_token.setdefault(barcode, pk)
    ids = list(dict.fromkeys(by_token[t] for t in tokens if t in by_token))
    unknown = [t for t in tokens if t not in by_token]
    return SkuChoice(ids, unknown, f"{len(ids)} SKU{'s' if len(ids) != 1 else ''} from a list")


def skus_moved_at(location: Location, since: date) -> SkuChoice:
    """SKUs with any ledger movement at `location` since the start of `since` (UTC)."""
    start = datetime.combine(since, time.min, tzinfo=UTC)
    ids = list(
        StockMovement.objects.filter(location=location, created_at__gte=start)
        .order_by("sku__code")
        .values_list("sku_id", flat=True)
        .distinct()
    )
    ids = list(dict.fromkeys(ids))
    return SkuChoice(ids, [], f"SKUs that moved at {location.code} since {since:%b %-d, %Y}")


def skus_in_bins(location: Location, prefix: str) -> SkuChoice:
    """SKUs whose bin at `location` starts with `prefix` (an aisle or zone such as "A-03"), in walk order."""
    rows = BinLocation.objects.filter(location=location, path__istartswith=prefix.strip()).values_list("sku_id", "path")
    ids = [sku_id for sku_id, path in sorted(rows, key=lambda row: bin_sort_key(row[1]))]
    return SkuChoice(ids, [], f"SKUs in bins {prefix.strip().upper()}* at {location.code}")


def skus_stocked_at(location: Location) -> SkuChoice:
    """Every active SKU with a stock level at `location` (on hand, reserved or expected)."""
    ids = list(
        StockLevel.objects.filter(location=location, sku__is_active=True)
        .order_by("sku__code")
        .values_list("sku_id", flat=True)
    )
    return SkuChoice(ids, [], f"Every SKU stocked at {location.code}")
