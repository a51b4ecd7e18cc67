"""The rate grid of a carrier service: weights x zones as typed, parsed cell by cell.

The form parses and checks each cell; rules across cells are the service's
(`fulfillment.services.rates.rate_table_problems`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.http import QueryDict

from fulfillment.forms.carriers import pounds_text, pounds_to_grams
from fulfillment.selectors import RateTable
from fulfillment.services.rates import ZONES, RateRowInput, price_field, transit_field, weight_field

MAX_GRID_ROWS = 40
BLANK_ROWS = 1


@dataclass
class GridCell:
    """One input of the grid as typed, with its error if any."""

    name: str
    text: str = ""
    error: str = ""


@dataclass
class GridRow:
    """One weight bracket row: the weight and a price cell per zone."""

    index: int
    weight: GridCell
    cells: list[GridCell]
    #: The stored weight this row showed, so an untouched weight keeps its exact grams.
    grams: int | None = None

    @property
    def blank(self) -> bool:
        """Nothing typed in this row."""
        return not self.weight.text and not any(cell.text for cell in self.cells)

    @property
    def errors(self) -> list[GridCell]:
        """The cells of this row that have an error."""
        return [cell for cell in (self.weight, *self.cells) if cell.error]


@dataclass
class RateGrid:
    """The rate grid (weights x zones) and transit row, as typed, with each cell's error."""

    rows: list[GridRow]
    transit: list[GridCell]
    inputs: list[RateRowInput] = field(default_factory=list)
    transit_days: dict[int, int | None] = field(default_factory=dict)
    error: str = ""

    @property
    def ok(self) -> bool:
        """Every cell parsed."""
        return not self.error and not self.problems

    @property
    def problems(self) -> list[tuple[str, GridCell]]:
        """Each bad cell with a place a person can find: "Row 3 (up to 5 lb), zone 4"."""
        found = []
        for number, row in enumerate(self.rows, start=1):
            label = f"Row {number}" + (f" (up to {row.weight.text} lb)" if row.weight.text else "")
            if row.weight.error:
                found.append((f"{label}, weight", row.weight))
            for zone, cell in zip(ZONES, row.cells, strict=True):
                if cell.error:
                    found.append((f"{label}, zone {zone}", cell))
        for zone, cell in zip(ZONES, self.transit, strict=True):
            if cell.error:
                found.append((f"Transit days, zone {zone}", cell))
        return found

    def cell(self, name: str) -> GridCell | None:
        """The cell with this input name."""
        for row in self.rows:
            for candidate in (row.weight, *row.cells):
                if candidate.name == name:
                    return candidate
        return next((cell for cell in self.transit if cell.name == name), None)

    def add_problems(self, problems: Iterable[dict[str, str]]) -> None:
        """Put a service's refusals (`{"field", "message"}`) on the cells they name."""
        for problem in problems:
            target = self.cell(problem.get("field", ""))
            if target is None:
                self.error = problem.get("message", "The rate table was refused.")
            elif not target.error:
                target.error = problem.get("message", "")

    def with_blank_rows(self, count: int) -> RateGrid:
        """The same grid with `count` more blank rows at the end."""
        start = len(self.rows)
        self.rows.extend(_blank_row(start + n) for n in range(count))
        return self


def _blank_row(index: int) -> GridRow:
    return GridRow(index, GridCell(weight_field(index)), [GridCell(price_field(index, zone)) for zone in ZONES])


def grid_from_table(table: RateTable, *, blank_rows: int = BLANK_ROWS) -> RateGrid:
    """The grid showing a stored rate table, plus blank rows to add brackets."""
    rows = []
    for index, weight in enumerate(table.weights):
        cells = []
        for zone in ZONES:
            price = table.prices.get((weight, zone))
            cells.append(GridCell(price_field(index, zone), "" if price is None else f"{price:.2f}"))
        rows.append(GridRow(index, GridCell(weight_field(index), pounds_text(weight)), cells, grams=weight))
    transit = [
        GridCell(transit_field(zone), "" if table.transit.get(zone) is None else str(table.transit[zone]))
        for zone in ZONES
    ]
    return RateGrid(rows=rows, transit=transit).with_blank_rows(blank_rows)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace("$", "").replace(",", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_rate_grid(data: QueryDict) -> RateGrid:
    """Read the grid's inputs into checked rows, cell by cell.

    Blank rows are dropped (clearing a row removes that bracket). A weight is in pounds
    (up to 150), a price in dollars with at most two decimals; an empty price cell means the
    zone has no bracket at that weight. Transit days are whole days, empty for a zone the
    service does not serve. Rules across cells (heavier costs more, priced zones need
    transit days) are the service's: see `rate_table_problems`.
    """
    try:
        count = min(max(int(data.get("rows", "0")), 0), MAX_GRID_ROWS)
    except ValueError:
        count = 0
    rows = []
    for index in range(count):
        weight = GridCell(weight_field(index), str(data.get(weight_field(index), "")).strip())
        cells = [
            GridCell(price_field(index, zone), str(data.get(price_field(index, zone), "")).strip()) for zone in ZONES
        ]
        shown = str(data.get(f"row{index}_grams", ""))
        rows.append(GridRow(index, weight, cells, grams=int(shown) if shown.isdigit() else None))
    grid = RateGrid(
        rows=[row for row in rows if not row.blank],
        transit=[GridCell(transit_field(zone), str(data.get(transit_field(zone), "")).strip()) for zone in ZONES],
    )
    _renumber(grid)
    for row in grid.rows:
        grams = _parse_weight(row.weight)
        if grams is not None and row.grams is not None and row.weight.text == pounds_text(row.grams):
            grams = row.grams
        prices: dict[int, Decimal] = {}
        for zone, cell in zip(ZONES, row.cells, strict=True):
            if not cell.text:
                continue
            price = _decimal(cell.text)
            if price is None:
                cell.error = "Enter a price in dollars, e.g. 12.40."
            elif price < 0:
                cell.error = "A price cannot be negative."
            elif price != price.quantize(Decimal("0.01")):
                cell.error = "Use at most two decimals (cents)."
            else:
                prices[zone] = price
        if grams is not None:
            grid.inputs.append(RateRowInput(max_weight_grams=grams, prices=prices))
    for zone, cell in zip(ZONES, grid.transit, strict=True):
        grid.transit_days[zone] = None
        if not cell.text:
            continue
        try:
            days = int(cell.text)
        except ValueError:
            cell.error = "Enter whole days, e.g. 3."
            continue
        if days < 0:
            cell.error = "Days cannot be negative."
        else:
            grid.transit_days[zone] = days
    if not grid.rows:
        grid.error = "Enter at least one weight bracket with its prices."
    return grid


def _renumber(grid: RateGrid) -> None:
    """After dropping blank rows, name the cells by their new position (what the service reports)."""
    for index, row in enumerate(grid.rows):
        row.index = index
        row.weight.name = weight_field(index)
        for zone, cell in zip(ZONES, row.cells, strict=True):
            cell.name = price_field(index, zone)


def _parse_weight(cell: GridCell) -> int | None:
    if not cell.text:
        cell.error = "Enter the weight this row goes up to, in pounds."
        return None
    pounds = _decimal(cell.text.lower().replace("lb", ""))
    if pounds is None:
        cell.error = "Enter pounds, e.g. 0.5 or 10."
        return None
    if not Decimal(0) < pounds <= 150:
        cell.error = "Enter a weight above 0 and up to 150 lb."
        return None
    return pounds_to_grams(pounds)
