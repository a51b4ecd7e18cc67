"""Forms of the transfer pages: where from and to, and the lines table parsed row by row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict

from inventory.forms import _location_choices
from inventory.models import Location, TransferStatus

MIN_LINE_ROWS = 5
MAX_LINE_ROWS = 200


class TransferForm(forms.Form):
    """Where a transfer goes from and to; its lines are parsed by `parse_transfer_lines`."""

    source = forms.ChoiceField(label="From", help_text="Units are reserved here as soon as you create the transfer.")
    destination = forms.ChoiceField(label="To")
    note = forms.CharField(label="Note", required=False, max_length=255)

    def __init__(
        self, *args: Any, sources: Iterable[Location] = (), destinations: Iterable[Location] = (), **kwargs: Any
    ) -> None:
        """Sources are the user's locations; destinations are every active location."""
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = _location_choices(sources, "Choose a location…")  # type: ignore[attr-defined]
        self.fields["destination"].choices = _location_choices(  # type: ignore[attr-defined]
            destinations, "Choose a location…"
        )

    def clean(self) -> dict[str, Any]:
        """A transfer needs two different locations."""
        data = super().clean() or {}
        if data.get("source") and data.get("source") == data.get("destination"):
            self.add_error("destination", "Choose a destination other than the source.")
        return data


@dataclass
class LineRow:
    """One row of the transfer lines table, as typed, with its error if any."""

    sku: str = ""
    quantity: str = ""
    error: str = ""

    @property
    def blank(self) -> bool:
        """Nothing typed in this row."""
        return not self.sku and not self.quantity


@dataclass
class ParsedLines:
    """The line rows to show again and the (sku_code, quantity) pairs they make."""

    rows: list[LineRow] = field(default_factory=list)
    pairs: list[tuple[str, int]] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        """Every row is usable and there is at least one line."""
        return not self.error and not any(row.error for row in self.rows)


def blank_line_rows(count: int = MIN_LINE_ROWS) -> list[LineRow]:
    """Empty rows for a new transfer."""
    return [LineRow() for _ in range(count)]


def parse_transfer_lines(data: QueryDict, *, extra_rows: int = 0) -> ParsedLines:
    """Read the repeated `line_sku` / `line_qty` inputs into checked rows.

    Blank rows are ignored; a half-filled row or a quantity that is not a whole number of at
    least 1 gets an error on that row.
    """
    skus = [str(s).strip() for s in data.getlist("line_sku")][:MAX_LINE_ROWS]
    quantities = [str(q).strip() for q in data.getlist("line_qty")][:MAX_LINE_ROWS]
    width = max(len(skus), len(quantities))
    skus += [""] * (width - len(skus))
    quantities += [""] * (width - len(quantities))
    parsed = ParsedLines(rows=[LineRow(sku, qty) for sku, qty in zip(skus, quantities, strict=True)])
    for row in parsed.rows:
        if row.blank:
            continue
        if not row.sku:
            row.error = "Enter the SKU code."
            continue
        try:
            quantity = int(row.quantity)
        except ValueError:
            row.error = "Enter a whole number of units." if row.quantity else "Enter a quantity."
            continue
        if quantity < 1:
            row.error = "The quantity must be at least 1."
            continue
        parsed.pairs.append((row.sku, quantity))
    if not parsed.pairs and parsed.ok:
        parsed.error = "Add at least one line: a SKU code and a quantity."
    filled = [row for row in parsed.rows if not row.blank]
    padding = max(MIN_LINE_ROWS - len(filled), 0) + extra_rows
    parsed.rows = filled + blank_line_rows(padding)
    return parsed


TRANSFER_STATUS_TABS = [("", "All"), *TransferStatus.choices]
