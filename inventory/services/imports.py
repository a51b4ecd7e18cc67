"""CSV import and export of stock levels.

Import format (header required, extra columns ignored):

    location,sku,on_hand[,safety_stock][,product,option1,option2][,bin]

Each row sets the on-hand quantity of a SKU at a location (recorded in the ledger as a
count against the import document) and, if given, its safety stock. The whole file is
checked first; if any row is bad, nothing is written and every bad row is reported.
The optional catalogue columns group the SKU under a product with its option values (e.g.
Size, Colour) and set its bin at the location; see `inventory.services.catalog_import`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction

from core.csv_safe import csv_unescape, csv_writer
from core.csv_upload import csv_upload_rows
from core.errors import ValidationFailed
from core.types import Actor
from inventory.models import SKU, Location, MovementKind, StockLevel
from inventory.selectors import visible_location_ids
from inventory.services.catalog_import import CatalogCells, catalog_cells_apply, catalog_cells_read
from inventory.services.levels import MAX_UNITS_PER_OPERATION, DocumentRef, LevelChange, apply_level_changes
from inventory.services.stock import stock_set_safety_stock

REQUIRED_COLUMNS = ("location", "sku", "on_hand")
MAX_ROWS = 100_000


@dataclass
class RowError:
    row: int  # 1-based line number in the file, header is line 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.row}, {self.column}: {self.message}"


@dataclass
class ImportReport:
    """What an import did, or why it did nothing."""

    document_id: str = ""
    rows: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    location: Location
    sku: SKU
    on_hand: int
    safety_stock: int | None
    catalog: dict[str, str] = field(default_factory=dict)


def _read(stream: IO[str] | IO[bytes] | str) -> list[dict[str, str]]:
    rows = csv_upload_rows(
        stream,
        required=REQUIRED_COLUMNS,
        header="location,sku,on_hand[,safety_stock][,product,option1,option2][,bin]",
        max_rows=MAX_ROWS,
    )
    # Our own export escapes codes that would start a formula: an exported file imports as it is.
    return [{key: csv_unescape(value) for key, value in row.items()} for row in rows]


def _parse_int(value: str, column: str, line: int, errors: list[RowError], *, required: bool) -> int | None:
    if value == "":
        if required:
            errors.append(RowError(line, column, "is empty."))
        return None
    try:
        number = int(value)
    except ValueError:
        errors.append(RowError(line, column, f"{value!r} is not a whole number."))
        return None
    if number < 0:
        errors.append(RowError(line, column, "must be 0 or more."))
        return None
    if number > MAX_UNITS_PER_OPERATION:
        errors.append(RowError(line, column, f"{number:,} is more than the {MAX_UNITS_PER_OPERATION:,} allowed."))
        return None
    return number


def _validate(raw_rows: list[dict[str, str]], *, location_ids: set[int] | None) -> tuple[list[_Row], list[RowError]]:
    """Check every row; locations outside `location_ids` (None: all) read as unknown."""
    visible = Location.objects.filter(code__in={r.get("location", "") for r in raw_rows})
    if location_ids is not None:
        visible = visible.filter(pk__in=location_ids)
    locations = {loc.code: loc for loc in visible}
    skus = {sku.code: sku for sku in SKU.objects.filter(code__in={r.get("sku", "") for r in raw_rows})}
    errors: list[RowError] = []
    rows: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(raw_rows):
        line = index + 2
        location = locations.get(raw.get("location", ""))
        sku = skus.get(raw.get("sku", ""))
        if location is None:
            errors.append(RowError(line, "location", f"unknown location {raw.get('location', '')!r}."))
        elif not location.is_active:
            errors.append(RowError(line, "location", f"location {location.code} is inactive."))
        if sku is None:
            errors.append(RowError(line, "sku", f"unknown SKU {raw.get('sku', '')!r}."))
        on_hand = _parse_int(raw.get("on_hand", ""), "on_hand", line, errors, required=True)
        safety = _parse_int(raw.get("safety_stock", ""), "safety_stock", line, errors, required=False)
        catalog, catalog_errors = catalog_cells_read(raw, line=line)
        errors.extend(RowError(line, column, message) for column, message in catalog_errors)
        key = (raw.get("location", ""), raw.get("sku", ""))
        if key in seen:
            errors.append(RowError(line, "sku", f"repeats line {seen[key]} for the same location and SKU."))
        seen.setdefault(key, line)
        if location is not None and sku is not None and on_hand is not None and location.is_active:
            rows.append(_Row(line, location, sku, on_hand, safety, catalog))
    return rows, errors


def stock_import_csv(*, stream: IO[str] | IO[bytes] | str, actor: Actor) -> ImportReport:
    """Import stock levels from CSV, all or nothing; returns a report with row-level errors.

    A logged-in actor may only write the locations they may see (others read as unknown);
    `actor=None` (a system job) may write every location.
    """
    document_id = uuid.uuid4().hex[:12]
    report = ImportReport(document_id=document_id)
    raw_rows = _read(stream)
    report.rows = len(raw_rows)
    scope = visible_location_ids(actor) if actor is not None else None
    rows, report.errors = _validate(raw_rows, location_ids=scope)
    if report.errors:
        return report
    document = DocumentRef("import", document_id)
    with transaction.atomic():
        StockLevel.objects.bulk_create(
            [StockLevel(location=r.location, sku=r.sku) for r in sorted(rows, key=lambda r: (r.location.pk, r.sku.pk))],
            ignore_conflicts=True,
        )
        current = {
            (lvl.location_id, lvl.sku_id): lvl
            for lvl in StockLevel.objects.select_for_update()
            .filter(location_id__in={r.location.pk for r in rows}, sku_id__in={r.sku.pk for r in rows})
            .order_by("pk")
        }
        changes = []
        for row in rows:
            level = current[(row.location.pk, row.sku.pk)]
            if row.on_hand < level.reserved:
                report.errors.append(
                    RowError(
                        row.line,
                        "on_hand",
                        f"{level.reserved} units are reserved for orders; on hand cannot be {row.on_hand}.",
                    )
                )
            elif row.on_hand != level.on_hand:
                changes.append(
                    LevelChange(
                        row.location.pk,
                        row.sku.pk,
                        MovementKind.COUNT,
                        on_hand=row.on_hand - level.on_hand,
                        reason_code="import",
                    )
                )
        if report.errors:
            transaction.set_rollback(True)
            return report
        apply_level_changes(changes, actor=actor, document=document, note="CSV import", conflict_error=ValidationFailed)
        for row in rows:
            if row.safety_stock is not None and row.safety_stock != current[(row.location.pk, row.sku.pk)].safety_stock:
                stock_set_safety_stock(
                    location=row.location, sku=row.sku, safety_stock=row.safety_stock, actor=actor, document=document
                )
        catalog_errors = catalog_cells_apply(
            [
                CatalogCells(row.line, row.location.pk, row.sku, **row.catalog)
                for row in rows
                if any(row.catalog.values())
            ]
        )
        if catalog_errors:
            report.errors = [RowError(line, column, message) for line, column, message in catalog_errors]
            transaction.set_rollback(True)
            return report
        report.changed = len(changes)
        report.unchanged = len(rows) - len(changes)
    return report


def stock_export_csv(*, levels: object, out: IO[str]) -> None:
    """Write levels (an iterable of StockLevel with location and sku loaded) as spreadsheet-safe CSV.

    A code that would start a formula (`=HYPERLINK(...)`) is written with a leading apostrophe;
    the import reads it back as the code it is.
    """
    writer = csv_writer(out)
    writer.writerow(["location", "sku", "on_hand", "safety_stock", "reserved", "available", "in_transit"])
    for level in levels:  # type: ignore[attr-defined]
        writer.writerow(
            [
                level.location.code,
                level.sku.code,
                level.on_hand,
                level.safety_stock,
                level.reserved,
                level.available,
                level.in_transit,
            ]
        )
