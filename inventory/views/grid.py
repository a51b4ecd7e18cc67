"""The inventory grid (SKU rows x location columns) and stock levels in and out as CSV."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from itertools import islice
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from core.csv_upload import csv_upload_post
from core.htmx import render_page
from inventory.catalog_selectors import skus_grouped_by_product
from inventory.forms import PER_PAGE_CHOICES, GridFilterForm, ImportForm
from inventory.models import StockLevel
from inventory.selectors import (
    LOW_STOCK_THRESHOLD,
    GridFilters,
    grid_levels,
    grid_locations,
    inventory_grid_skus,
    stock_levels_for_export,
)
from inventory.services import stock_export_csv, stock_import_csv
from inventory.views._shared import level_atp

EXPORT_BATCH = 2000


@require_GET
@permission_required("inventory.view_stocklevel", raise_exception=True)
def grid(request: HttpRequest) -> HttpResponse:
    """SKU rows x location columns, each cell ATP with on hand / reserved; searchable and paginated.

    The number of queries is the same whatever the page size: locations, SKU count, SKU page,
    and one query for every cell on the page.
    """
    locations = list(grid_locations(user=request.user, filters=GridFilters()))
    form = GridFilterForm(request.GET or None, locations=locations)
    chosen = {loc.code: loc for loc in locations}.get(form.value("location", ""))
    filters = GridFilters(
        query=form.value("q", ""),
        location_id=chosen.pk if chosen else None,
        kind=form.value("kind", ""),
        low_stock=bool(form.value("low", False)),
    )
    columns = [
        loc
        for loc in locations
        if (not filters.kind or loc.kind == filters.kind) and (chosen is None or loc.pk == chosen.pk)
    ]
    skus = skus_grouped_by_product(inventory_grid_skus(user=request.user, filters=filters))
    paginator = Paginator(skus, form.value("per_page", 50))
    page = paginator.get_page(request.GET.get("page"))
    levels = grid_levels(sku_ids=[sku.pk for sku in page], location_ids=[loc.pk for loc in columns])
    rows = []
    for sku in page:
        cells = [levels.get((sku.pk, loc.pk)) for loc in columns]
        rows.append({"sku": sku, "cells": cells, "total": sum(level_atp(cell) for cell in cells if cell is not None)})
    context = {
        "form": form,
        "columns": columns,
        "rows": rows,
        "groups": _product_groups(rows, width=len(columns)),
        "page": page,
        "filtered": any([filters.query, filters.location_id, filters.kind, filters.low_stock]),
        "low_threshold": LOW_STOCK_THRESHOLD,
        "per_page_choices": PER_PAGE_CHOICES,
    }
    return render_page(request, "inventory/grid.html", context, partial="results")


def _product_groups(rows: list[dict[str, Any]], *, width: int) -> list[dict[str, Any]]:
    """Consecutive rows of one product's variants as one group, with ATP per column and in total.

    A SKU without a product is a group of its own with no product, shown as a plain row.
    """
    groups: list[dict[str, Any]] = []
    for row in rows:
        variant = getattr(row["sku"], "variant", None)
        row["variant"] = variant
        product = variant.product if variant else None
        if product is None or not groups or groups[-1]["product"] != product:
            groups.append({"product": product, "rows": [], "cells": [0] * width, "total": 0})
        group = groups[-1]
        group["rows"].append(row)
        group["total"] += row["total"]
        for index, cell in enumerate(row["cells"]):
            group["cells"][index] += level_atp(cell) if cell is not None else 0
    return groups


@require_GET
@permission_required("inventory.view_stocklevel", raise_exception=True)
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Stream every stock level the user may see as CSV, in batches, without building it in memory."""
    response = StreamingHttpResponse(
        _csv_chunks(stock_levels_for_export(user=request.user)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="stock-levels-{date.today():%Y-%m-%d}.csv"'
    return response


def _csv_chunks(levels: QuerySet[StockLevel]) -> Iterator[str]:
    """Yield the export in batches; only the first batch keeps the header row."""
    rows = levels.iterator(chunk_size=EXPORT_BATCH)
    first = True
    while True:
        batch = list(islice(rows, EXPORT_BATCH))
        if not batch and not first:
            return
        out = io.StringIO()
        stock_export_csv(levels=batch, out=out)
        text = out.getvalue()
        yield text if first else text.split("\n", 1)[1]
        first = False
        if len(batch) < EXPORT_BATCH:
            return


@require_http_methods(["GET", "POST"])
@permission_required("inventory.import_stock", raise_exception=True)
def import_stock(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of stock levels; show a row-by-row error report (nothing written) or a summary."""
    form, report, status = ImportForm(), None, 200
    if request.method == "POST":
        form, report, status = csv_upload_post(
            request,
            form_class=ImportForm,
            run=lambda file: stock_import_csv(stream=file, actor=request.user),
            done=lambda report: (
                f"Imported {report.rows} rows: {report.changed} changed, {report.unchanged} already right."
            ),
        )
    context = {"form": form, "report": report, "errors": report.errors[:500] if report else []}
    return render_page(request, "inventory/import.html", context, partial="panel", status=status)
