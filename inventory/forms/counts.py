"""Forms of the cycle count pages: open a session (where, which SKUs, thresholds), count one line."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms

from inventory.forms import _location_choices
from inventory.models import AdjustmentReason, CountSessionStatus, Location

CHOOSE_BY = [
    ("list", "A list of SKU codes or barcodes"),
    ("bins", "Every SKU in bins starting with… (an aisle or zone)"),
    ("moved", "Every SKU that moved here since a date"),
    ("stocked", "Every SKU stocked here"),
]
COUNT_STATUS_TABS = [("", "All"), *CountSessionStatus.choices]
REASON_CHOICES = [("", "Reason…"), *AdjustmentReason.choices]


class CountSessionForm(forms.Form):
    """Where to count, which SKUs, and above which variance a supervisor must give a reason."""

    location = forms.ChoiceField(label="Location")
    choose_by = forms.ChoiceField(label="Count", choices=CHOOSE_BY, initial="list", widget=forms.RadioSelect)
    codes = forms.CharField(
        label="SKU codes or barcodes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "One per line, or separated by commas"}),
        help_text="Scan or paste them; unknown codes are listed so you can fix them.",
    )
    bin_prefix = forms.CharField(
        label="Bins starting with", required=False, max_length=40, help_text="e.g. A-03 for aisle A, bay 03."
    )
    since = forms.DateField(
        label="Moved since", required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="UTC date."
    )
    note = forms.CharField(label="Note", required=False, max_length=255)
    reason_above_units = forms.IntegerField(
        label="Reason needed above (units)",
        min_value=0,
        initial=5,
        help_text="A supervisor gives a reason for a variance of more units than this.",
    )
    reason_above_value = forms.DecimalField(
        label="Reason needed above (value)",
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        initial=Decimal("100.00"),
        help_text="…or worth more than this, at the SKU's price.",
    )

    def __init__(self, *args: Any, locations: Iterable[Location] = (), **kwargs: Any) -> None:
        """Locations are the ones the user works at."""
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = _location_choices(locations, "Choose a location…")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """A list needs codes, bins a prefix, "moved since" a date."""
        data = super().clean() or {}
        if data.get("choose_by") == "list" and not str(data.get("codes", "")).strip():
            self.add_error("codes", "Enter at least one SKU code or barcode.")
        if data.get("choose_by") == "bins" and not str(data.get("bin_prefix", "")).strip():
            self.add_error("bin_prefix", "Enter the start of the bin paths, e.g. A-03.")
        if data.get("choose_by") == "moved" and not data.get("since"):
            self.add_error("since", "Enter the date to look back to.")
        return data


def parse_count(raw: str) -> tuple[int | None, str]:
    """A counted quantity typed on a phone: a whole number of 0 or more, or the error to show."""
    raw = raw.strip()
    if not raw:
        return None, "Enter the quantity you counted (0 if there are none)."
    try:
        value = int(raw)
    except ValueError:
        return None, "Enter a whole number of units."
    if value < 0:
        return None, "A count is 0 or more."
    return value, ""
