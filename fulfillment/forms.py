"""Forms for the Routing pages: they parse and check input; `fulfillment.services.rates` writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.models import fields_for_model
from django.http import QueryDict

from fulfillment.models import CostSettings
from fulfillment.routing.types import SERVICE_LEVELS
from fulfillment.selectors import RateTable
from fulfillment.services.rates import (
    COST_SETTINGS_FIELDS,
    GRAMS_PER_POUND,
    MAX_POLICY_PACKAGES,
    MAX_RADIUS_MILES,
    ZONES,
    PolicyRules,
    RateRowInput,
    price_field,
    transit_field,
    weight_field,
)
from inventory.models import Location, LocationKind

LEVEL_LABELS = {"standard": "Standard", "express": "Express", "next_day": "Next day", "same_day": "Same day"}
_LEVEL_HINTS = {"standard": " (ground)", "express": " (2-3 days)"}
LEVEL_CHOICES = [(level, LEVEL_LABELS.get(level, level) + _LEVEL_HINTS.get(level, "")) for level in SERVICE_LEVELS]


def pounds_text(grams: int) -> str:
    """Grams as pounds for a form field: up to two decimals, no trailing zeros (227 -> "0.5")."""
    return f"{Decimal(grams) / GRAMS_PER_POUND:.2f}".rstrip("0").rstrip(".")


def pounds_to_grams(pounds: Decimal) -> int:
    """Pounds to whole grams (0.5 -> 227)."""
    return int((pounds * GRAMS_PER_POUND).to_integral_value())


# --- Carriers and services -------------------------------------------------------------------


class CarrierForm(forms.Form):
    """A carrier's code, name and whether routing may use it."""

    code = forms.SlugField(
        label="Code", max_length=20, help_text="Short, lowercase, e.g. parcelway. Shipments record it."
    )
    name = forms.CharField(label="Name", max_length=80)
    is_active = forms.BooleanField(
        label="Active", required=False, initial=True, help_text="Routing uses only active carriers."
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        """When editing, the code is shown but cannot change."""
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "Codes cannot change: shipments and rate cards refer to them."


class CarrierServiceForm(forms.Form):
    """One service of a carrier and the service level it fulfils."""

    code = forms.SlugField(label="Code", max_length=30, help_text="Lowercase with dashes, e.g. ground or next-day-air.")
    name = forms.CharField(label="Name", max_length=80)
    level = forms.ChoiceField(
        label="Service level",
        choices=[("", "Choose a level…"), *LEVEL_CHOICES],
        help_text="Orders ask for a level; routing may also use a faster one if it is cheaper.",
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        """When editing, the code is shown but cannot change."""
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "Codes cannot change: shipments record them."


# --- Routing settings ------------------------------------------------------------------------


class CostSettingsForm(forms.Form):
    """The merchant's cost figures routing adds to the carrier price."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Build the fields from the model, in dollars, never negative."""
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(CostSettings, fields=list(COST_SETTINGS_FIELDS)))
        labels = {
            "handling_warehouse": "Handling, warehouse",
            "handling_store": "Handling, store",
            "handling_3pl": "Handling, 3PL",
            "handling_dropship": "Handling, dropship",
            "package_cost": "Per package",
            "late_penalty_per_day": "Late, per day",
            "backorder_penalty_per_unit": "Backorder, per unit",
        }
        for name, form_field in self.fields.items():
            form_field.label = labels[name]
            form_field.validators.append(MinValueValidator(Decimal(0)))
            form_field.widget.attrs.update({"min": "0", "step": "0.01", "inputmode": "decimal"})
        self.fields["late_penalty_per_day"].help_text = "What a day late costs you in goodwill."
        self.fields["backorder_penalty_per_unit"].help_text = "Keep it above any one shipment's cost."


def _codes_lines(text: str) -> list[list[str]]:
    """Text with one group per line, codes separated by commas or spaces."""
    lines = []
    for raw in (text or "").splitlines():
        codes = [code for code in raw.replace(",", " ").split() if code]
        if codes:
            lines.append(codes)
    return lines


class RoutingPolicyForm(forms.Form):
    """The default routing rules; lists are typed as text, one group per line."""

    excluded_locations = forms.MultipleChoiceField(
        label="Never ship from these locations",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    excluded_kinds = forms.MultipleChoiceField(
        label="Never ship from these kinds",
        required=False,
        choices=LocationKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    max_packages = forms.IntegerField(
        label="Most packages per order",
        required=False,
        min_value=1,
        max_value=MAX_POLICY_PACKAGES,
        help_text="Empty: no limit.",
    )
    ship_from_store_radius_miles = forms.IntegerField(
        label="Ship-from-store radius (miles)",
        required=False,
        min_value=1,
        max_value=MAX_RADIUS_MILES,
        help_text="Stores ship only to customers this close. Empty: no limit.",
    )
    priority_tiers = forms.CharField(
        label="Priority tiers",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "off"}),
        help_text="One tier per line, location codes separated by commas. Tier 1 serves what it can, "
        "then tier 2. Locations in no tier come last.",
    )
    keep_together = forms.CharField(
        label="Keep together",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "characters"}),
        help_text="One group per line, SKU codes separated by commas: each group ships from one location.",
    )

    def __init__(self, *args: Any, locations: Iterable[Location] = (), **kwargs: Any) -> None:
        """Offer the given locations as exclusions."""
        super().__init__(*args, **kwargs)
        self.fields["excluded_locations"].choices = [  # type: ignore[attr-defined]
            (loc.code, f"{loc.code} — {loc.name}{'' if loc.is_active else ' (inactive)'}") for loc in locations
        ]

    def rules(self) -> PolicyRules:
        """The cleaned rules for `routing_policy_set`."""
        data = self.cleaned_data
        return PolicyRules(
            excluded_locations=data["excluded_locations"],
            excluded_kinds=data["excluded_kinds"],
            priority_tiers=_codes_lines(data["priority_tiers"]),
            max_packages=data["max_packages"],
            keep_together=[[code.upper() for code in group] for group in _codes_lines(data["keep_together"])],
            ship_from_store_radius_miles=data["ship_from_store_radius_miles"],
        )

    @staticmethod
    def initial_for(policy: Any) -> dict[str, Any]:
        """The form's values from a stored policy (None: the empty defaults)."""
        if policy is None:
            return {}
        return {
            "excluded_locations": [loc.code for loc in policy.excluded_locations.all()],
            "excluded_kinds": list(policy.excluded_kinds or []),
            "max_packages": policy.max_packages,
            "ship_from_store_radius_miles": policy.ship_from_store_radius_miles,
            "priority_tiers": "\n".join(", ".join(tier) for tier in policy.priority_tiers or []),
            "keep_together": "\n".join(", ".join(group) for group in policy.keep_together or []),
        }


class ZoneBandsForm(forms.Form):
    """The upper distance (miles) of zones 1 to 7; zone 8 is everything farther."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """One whole-miles field per zone."""
        super().__init__(*args, **kwargs)
        for zone in range(1, 8):
            self.fields[f"zone{zone}"] = forms.IntegerField(
                label=f"Zone {zone} up to",
                min_value=1,
                max_value=20_000,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={"required": "Enter the miles.", "invalid": "Whole miles, e.g. 150."},
            )

    def max_miles(self) -> list[int]:
        """The cleaned distances, zone 1 first."""
        return [self.cleaned_data[f"zone{zone}"] for zone in range(1, 8)]


# --- The rate grid ---------------------------------------------------------------------------

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


# --- The calculator ------------------------------------------------------------------------


class RateCalculatorForm(forms.Form):
    """What would shipping this parcel from there to that ZIP code cost?"""

    origin = forms.ChoiceField(label="Ship from")
    postal_code = forms.CharField(
        label="To ZIP code",
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "postal-code", "placeholder": "e.g. 94103"}
        ),
    )
    weight_lb = forms.DecimalField(
        label="Weight (lb)",
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(150))],
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0.01", "inputmode": "decimal"}),
        error_messages={"invalid": "Enter pounds, e.g. 2.5."},
    )
    level = forms.ChoiceField(label="Service level", choices=LEVEL_CHOICES, initial="standard")

    def __init__(self, *args: Any, origins: Iterable[Location] = (), **kwargs: Any) -> None:
        """Offer the locations that ship."""
        super().__init__(*args, **kwargs)
        self.fields["origin"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a location…"),
            *((loc.code, f"{loc.code} — {loc.name}") for loc in origins),
        ]

    def weight_grams(self) -> int:
        """The cleaned weight in grams (at least 1)."""
        return max(pounds_to_grams(self.cleaned_data["weight_lb"]), 1)
