"""Supplier inventory feeds (portal CSV, REST API, EDI 846): the supplier's stock becomes its location's on hand.

Each row names a SKU (our code, or the supplier's own code from `PartnerSkuCost`) and the units
the supplier holds, optionally per warehouse. Rows are set through the ledger
(`inventory.services.stock_set_on_hand`, movement kind `supplier_feed`, the feed's document as
the ledger document), so routing and channel stock sync see them at once (they read the levels
and the stock change feed). Rows that name a SKU we do not know, or a warehouse that is none of
the partner's locations, are left out and listed on the document; the known rows apply. A
quantity below the units our open orders hold reserved there keeps those units (listed too).
A feed with no usable row, or a malformed one (a negative or non-whole quantity), is refused
and nothing is applied. A feed older than the last one applied (`as_of`) changes nothing.

Which location: a partner with one location takes every row there (a row without a warehouse
is the SKU's total; without one, the warehouse rows add up); with several, a row's warehouse
must be one of their codes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime

from django.utils import timezone

from core.types import AnyUser
from inventory.models import SKU, Location, LocationKind, MovementKind
from inventory.services import DocumentRef, StockLine, stock_set_on_hand
from partners.documents import InventoryFeed, InventoryRow
from partners.models import DocumentKind, DocumentStatus, Partner, PartnerDocument, PartnerSkuCost
from partners.services.documents import Incoming, Refusal, document_apply, parsed_of

MAX_ROWS = 50_000
MAX_PROBLEMS_NAMED = 50


def partner_document_ref(document: PartnerDocument) -> DocumentRef:
    """The ledger document of stock changed by a partner's document."""
    return DocumentRef("partner_document", str(document.pk))


def inventory_feed_apply(
    *,
    partner: Partner,
    feed: InventoryFeed,
    via: str,
    raw: str = "",
    idempotency_key: str = "",
    actor: AnyUser | None = None,
) -> PartnerDocument:
    """Set the partner's locations' on hand from its feed (see the module docstring); stored on the trail.

    The applied document lists in `error` the rows left out, and in `parsed["result"]` how many
    SKUs were set and which rows were left out or held back. The same feed twice (same
    Idempotency-Key, or the same reference or as-of time with the same rows) changes nothing.
    """
    incoming = Incoming(
        partner=partner,
        kind=DocumentKind.INVENTORY,
        via=via,
        raw=raw,
        parsed=parsed_of(feed),
        idempotency_key=idempotency_key,
        actor=actor,
        # The same rows on another day are news (our level moved since): only a named feed repeats.
        dedupe_content=bool(feed.reference or feed.as_of),
    )
    return document_apply(incoming, po_number=None, apply=functools.partial(_apply, feed=feed, incoming=incoming))


def _last_as_of(partner: Partner) -> datetime | None:
    last = (
        PartnerDocument.objects.filter(partner=partner, kind=DocumentKind.INVENTORY, status=DocumentStatus.APPLIED)
        .exclude(parsed__as_of=None)
        .order_by("-pk")
        .values_list("parsed__as_of", flat=True)
        .first()
    )
    if not isinstance(last, str):
        return None
    moment = datetime.fromisoformat(last)
    return moment.replace(tzinfo=UTC) if timezone.is_naive(moment) else moment


def _checked_rows(feed: InventoryFeed) -> list[InventoryRow]:
    if not feed.rows:
        raise Refusal("An inventory feed has at least one row.", field="rows")
    if len(feed.rows) > MAX_ROWS:
        raise Refusal(f"At most {MAX_ROWS:,} rows per feed.", field="rows")
    for index, row in enumerate(feed.rows):
        if not str(row.sku).strip():
            raise Refusal("Give the SKU.", field=f"rows[{index}].sku")
        quantity = row.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= 2_000_000_000:
            raise Refusal("Give a whole number of units, 0 or more.", field=f"rows[{index}].quantity")
    return list(feed.rows)


def _skus(partner: Partner, codes: set[str]) -> dict[str, int]:
    """SKU ids by the codes the feed uses: the supplier's own codes first, then ours."""
    found = {sku.code: sku.pk for sku in SKU.objects.filter(code__in=codes).only("pk", "code")}
    for cost in PartnerSkuCost.objects.filter(partner=partner, supplier_sku__in=codes).only("sku_id", "supplier_sku"):
        found[cost.supplier_sku] = cost.sku_id
    return found


def _levels(
    rows: Sequence[InventoryRow], locations: Sequence[Location], skus: dict[str, int], problems: list[str]
) -> dict[int, dict[int, int]]:
    """Units per location id and SKU id; rows left out are described in `problems`."""
    by_code = {location.code.lower(): location for location in locations}
    totals: dict[tuple[int, int], int] = {}
    parts: dict[tuple[int, int], int] = {}
    for index, row in enumerate(rows):
        code = str(row.sku).strip()
        sku_id = skus.get(code)
        if sku_id is None:
            problems.append(f"rows[{index}]: unknown SKU {code}")
            continue
        warehouse = row.warehouse.strip()
        if len(locations) == 1:
            location = locations[0]
        elif warehouse.lower() in by_code:
            location = by_code[warehouse.lower()]
        else:
            named = ", ".join(sorted(by_code))
            problems.append(f"rows[{index}]: warehouse {warehouse or '(blank)'} is none of {named}")
            continue
        key = (location.pk, sku_id)
        target = totals if not warehouse or len(locations) > 1 else parts
        target[key] = target.get(key, 0) + row.quantity
    for key, quantity in parts.items():
        totals.setdefault(key, quantity)  # a SKU's total row wins over its warehouse rows
    per_location: dict[int, dict[int, int]] = {}
    for (location_id, sku_id), quantity in totals.items():
        per_location.setdefault(location_id, {})[sku_id] = quantity
    return per_location


def _apply(po: object, document: PartnerDocument, *, feed: InventoryFeed, incoming: Incoming) -> str:
    partner = Partner.objects.select_for_update().get(pk=incoming.partner.pk)  # one feed of a partner at a time
    locations = list(partner.locations.filter(kind=LocationKind.DROPSHIP_SUPPLIER).order_by("pk"))
    if not locations:
        raise Refusal(f"{partner.name} has no location to hold the stock of its feed.", field="rows")
    rows = _checked_rows(feed)
    last = _last_as_of(partner)
    as_of = feed.as_of.replace(tzinfo=UTC) if feed.as_of and timezone.is_naive(feed.as_of) else feed.as_of
    if as_of is not None and last is not None and as_of < last:
        document.status = DocumentStatus.DUPLICATE
        return f"Older than the feed already applied (as of {last.isoformat()}): nothing changed."
    problems = [str(error) for error in feed.errors]
    skus = _skus(partner, {str(row.sku).strip() for row in rows})
    per_location = _levels(rows, locations, skus, problems)
    if not per_location:
        shown = "; ".join(problems[:MAX_PROBLEMS_NAMED])
        raise Refusal(f"No row of the feed could be applied: {shown}", field="rows")
    by_id = {location.pk: location for location in locations}
    codes = {pk: code for code, pk in skus.items()}
    changed = 0
    held: list[str] = []
    for location_id, counts in per_location.items():
        result = stock_set_on_hand(
            location=by_id[location_id],
            counts=[StockLine(sku_id, quantity) for sku_id, quantity in counts.items()],
            actor=incoming.actor,
            document=partner_document_ref(document),
            kind=MovementKind.SUPPLIER_FEED,
            note=f"{partner.name} inventory feed" + (f" {feed.reference}" if feed.reference else ""),
        )
        changed += len(result.movements)
        held.extend(
            f"{codes.get(h.sku_id, h.sku_id)}: reported {h.reported}, but {h.set_to} are reserved for open orders; "
            f"on hand kept at {h.set_to}"
            for h in result.held_back
        )
    document.parsed = {
        **document.parsed,
        "result": {
            "skus_set": sum(len(counts) for counts in per_location.values()),
            "levels_changed": changed,
            "left_out": problems,
            "held_back": held,
        },
    }
    document.save(update_fields=["parsed"])
    notes = [*problems, *held]
    shown = "; ".join(notes[:MAX_PROBLEMS_NAMED])
    return shown + (f"; and {len(notes) - MAX_PROBLEMS_NAMED} more" if len(notes) > MAX_PROBLEMS_NAMED else "")
