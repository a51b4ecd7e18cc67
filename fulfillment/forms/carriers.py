"""Forms of the carrier pages: a carrier, one of its services; service levels and pounds as staff type them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from fulfillment.routing.types import SERVICE_LEVELS
from fulfillment.services.rates import GRAMS_PER_POUND

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
