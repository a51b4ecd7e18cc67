"""The optional catalogue columns of the stock CSV import: product, option1, option2 and bin.

The stock import reads them per row and hands them here inside its own transaction, so a bad
product or bin cancels the whole file like any other bad cell. A cell left empty changes
nothing: a file of plain stock levels never takes a SKU out of its product or clears a bin.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import ValidationFailed
from inventory.models import SKU
from inventory.services.catalog_variants import bins_apply, clean_bin_path, sku_set_variant

CATALOG_COLUMNS = ("product", "option1", "option2", "bin")


@dataclass
class CatalogCells:
    """The catalogue cells of one import row, after their own checks."""

    line: int
    location_id: int
    sku: SKU
    product: str = ""
    option1: str = ""
    option2: str = ""
    bin: str = ""


def catalog_cells_read(raw: dict[str, str], *, line: int) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The row's catalogue cells (bin cleaned), and (column, message) for each one refused."""
    cells = {column: raw.get(column, "").strip() for column in CATALOG_COLUMNS}
    errors: list[tuple[str, str]] = []
    if cells["bin"]:
        try:
            cells["bin"] = clean_bin_path(cells["bin"])
        except ValidationFailed as exc:
            errors.append(("bin", exc.message))
    if (cells["option1"] or cells["option2"]) and not cells["product"]:
        errors.append(("product", "is empty: name the product the options belong to."))
    return cells, errors


def catalog_cells_apply(rows: list[CatalogCells]) -> list[tuple[int, str, str]]:
    """Group SKUs under their products and set bins; (line, column, message) for each refusal.

    A SKU named with two different products or options in one file is refused on the later
    line, since there is no telling which one was meant.
    """
    errors: list[tuple[int, str, str]] = []
    wanted: dict[int, tuple[int, str, str, str]] = {}
    for row in rows:
        if not row.product:
            continue
        grouping = (row.line, row.product, row.option1, row.option2)
        first = wanted.setdefault(row.sku.pk, grouping)
        if first[1:] != grouping[1:]:
            errors.append((row.line, "product", f"differs from line {first[0]} for SKU {row.sku.code}."))
    if errors:
        return errors
    skus = {row.sku.pk: row.sku for row in rows}
    for sku_id, (line, product, option1, option2) in sorted(wanted.items()):
        try:
            sku_set_variant(sku=skus[sku_id], product_name=product, option1=option1, option2=option2)
        except ValidationFailed as exc:
            errors.append((line, "option1" if exc.field == "option1" else "product", exc.message))
    if not errors:
        bins_apply([(row.location_id, row.sku.pk, row.bin) for row in rows if row.bin])
    return errors
