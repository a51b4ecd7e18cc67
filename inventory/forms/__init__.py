"""Forms for the inventory staff pages: they parse and check input; the services do the writing.

The transfer pages' forms are in `inventory.forms.transfers`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.models import fields_for_model

from inventory.models import SKU, AdjustmentReason, Location, LocationKind, MovementKind
from inventory.services.catalog import LOCATION_FIELDS

PER_PAGE_CHOICES = (25, 50, 100)
KIND_CHOICES = [("", "All kinds"), *LocationKind.choices]


def _location_choices(locations: Iterable[Location], blank: str) -> list[tuple[str, str]]:
    """Select options keyed by location code, with an optional blank first option."""
    options = [(loc.code, f"{loc.code} — {loc.name}") for loc in locations]
    return [("", blank), *options] if blank else options


class GridFilterForm(forms.Form):
    """Search and filters of the inventory grid (a GET form; bad values fall back to defaults)."""

    q = forms.CharField(label="Search", required=False, max_length=100)
    location = forms.ChoiceField(label="Location", required=False)
    kind = forms.ChoiceField(label="Kind", required=False, choices=KIND_CHOICES)
    low = forms.BooleanField(label="Low stock only", required=False)
    per_page = forms.TypedChoiceField(
        label="Per page",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(n, str(n)) for n in PER_PAGE_CHOICES],
    )

    def __init__(self, *args: Any, locations: Iterable[Location] = (), **kwargs: Any) -> None:
        """Offer the given locations (the ones the user may see) in the location filter."""
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = _location_choices(locations, "All locations")  # type: ignore[attr-defined]

    def value(self, name: str, default: Any = None) -> Any:
        """The cleaned value of a field, or the default when it is missing or invalid."""
        if not self.is_bound:
            return default
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value


class LevelFilterForm(forms.Form):
    """Search and low-stock filter of the levels at one location."""

    q = forms.CharField(label="Search SKUs", required=False, max_length=100)
    low = forms.BooleanField(label="Low stock only", required=False)


class LedgerFilterForm(forms.Form):
    """Filters of a SKU's ledger history."""

    location = forms.ChoiceField(label="Location", required=False)
    kind = forms.ChoiceField(label="Movement", required=False, choices=[("", "All movements"), *MovementKind.choices])
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, locations: Iterable[Location] = (), **kwargs: Any) -> None:
        """Offer the given locations (the ones the user may see) in the location filter."""
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = _location_choices(locations, "All locations")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """Refuse a date range that ends before it starts."""
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return data


# --- Stock actions on one (SKU, location) --------------------------------------------------


class ReceiveForm(forms.Form):
    """Units arriving at a location (a delivery from a supplier, found stock)."""

    quantity = forms.IntegerField(
        label="Quantity received",
        min_value=1,
        max_value=1_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autofocus": True}),
        error_messages={"invalid": "Enter a whole number of units, e.g. 12.", "required": "Enter how many arrived."},
    )
    note = forms.CharField(label="Note", required=False, max_length=255, help_text="Purchase order, supplier, …")


class AdjustForm(forms.Form):
    """A signed correction of on hand with a reason code."""

    delta = forms.IntegerField(
        label="Change in units",
        min_value=-1_000_000,
        max_value=1_000_000,
        help_text="Negative to remove units (e.g. -2), positive to add them.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autofocus": True}),
        error_messages={"invalid": "Enter a whole number such as -2 or 5.", "required": "Enter the change in units."},
    )
    reason_code = forms.ChoiceField(
        label="Reason",
        choices=[("", "Choose a reason…"), *AdjustmentReason.choices],
        error_messages={"required": "Choose why the stock changed."},
    )
    note = forms.CharField(label="Note", required=False, max_length=255)

    def clean_delta(self) -> int:
        """An adjustment of zero changes nothing, so it is refused."""
        delta: int = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError("Enter a non-zero number: negative removes units, positive adds them.")
        return delta


class CountForm(forms.Form):
    """A cycle count: the number of units physically found on the shelf."""

    counted = forms.IntegerField(
        label="Units counted",
        min_value=0,
        max_value=1_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autofocus": True}),
        error_messages={
            "invalid": "Enter the number of units you counted, e.g. 0 or 14.",
            "required": "Enter a count.",
        },
    )
    note = forms.CharField(label="Note", required=False, max_length=255)


class SafetyStockForm(forms.Form):
    """Units held back from available-to-promise at one location."""

    safety_stock = forms.IntegerField(
        label="Safety stock",
        min_value=0,
        max_value=1_000_000,
        help_text="Units kept back from sale at this location.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autofocus": True}),
        error_messages={"invalid": "Enter a whole number, 0 or more."},
    )


STOCK_ACTION_FORMS: dict[str, type[forms.Form]] = {
    "receive": ReceiveForm,
    "adjust": AdjustForm,
    "count": CountForm,
    "safety": SafetyStockForm,
}


# --- Catalogue ------------------------------------------------------------------------------

LOCATION_FORM_FIELDS = list(LOCATION_FIELDS)
LOCATION_CAPABILITIES = ["ships_orders", "offers_pickup", "accepts_returns", "ship_from_store"]
SKU_FORM_FIELDS = [
    "code",
    "name",
    "barcode",
    "price",
    "currency",
    "weight_grams",
    "length_mm",
    "width_mm",
    "height_mm",
    # Customs, for international labels.
    "hs_code",
    "origin_country",
    "customs_value",
    "customs_description",
]


class LocationForm(forms.Form):
    """A location's details. A plain form (not a ModelForm) so the service alone changes the model."""

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        """Build the fields from the model; when editing, the code is shown but cannot change."""
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Location, fields=LOCATION_FORM_FIELDS))
        self.fields["order_cutoff_time"].widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        self.fields["kind"].choices = [("", "Choose a kind…"), *LocationKind.choices]  # type: ignore[attr-defined]
        self.fields["postal_code"].help_text = "For US locations: a 5-digit ZIP code."
        for name, limit in (("latitude", 90), ("longitude", 180)):
            self.fields[name].help_text = "Leave empty: filled automatically from a US ZIP code."
            self.fields[name].widget.attrs["step"] = "any"
            self.fields[name].validators += [MinValueValidator(-limit), MaxValueValidator(limit)]
        self.fields["timezone"].required = False
        self.fields["timezone"].help_text = "IANA name, e.g. America/Chicago. Set from the ZIP code for US locations."
        self.fields["country"].widget.attrs.update({"maxlength": 2, "autocapitalize": "characters"})
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "Codes cannot change: imports and integrations refer to them."
        else:
            self.fields["timezone"].initial = ""

    def clean_country(self) -> str:
        """Store the ISO country code in capitals."""
        return str(self.cleaned_data.get("country") or "US").upper()

    def clean_timezone(self) -> str:
        """Accept only real IANA time zone names."""
        name = str(self.cleaned_data.get("timezone") or "").strip()
        if name and name not in zoneinfo.available_timezones():
            raise forms.ValidationError(f"{name!r} is not a time zone name. Use one like America/Chicago.")
        return name

    def service_data(self) -> dict[str, Any]:
        """The cleaned values to hand to `location_create` / `location_update`.

        Coordinates left empty, or not touched while the ZIP code changed, are left out so the
        service fills them (and the time zone) from the ZIP code.
        """
        data = {k: v for k, v in self.cleaned_data.items() if not self.fields[k].disabled}
        coordinates_touched = {"latitude", "longitude"} & set(self.changed_data)
        empty = data.get("latitude") is None and data.get("longitude") is None
        if empty or not coordinates_touched:
            data.pop("latitude", None)
            data.pop("longitude", None)
        if not data.get("timezone"):
            data.pop("timezone", None)
        return data


class SKUForm(forms.Form):
    """A SKU's details (plain form: `sku_create` / `sku_update` validate and save)."""

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        """Build the fields from the model; when editing, the code is shown but cannot change."""
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(SKU, fields=[*SKU_FORM_FIELDS, "is_active"]))
        self.fields["barcode"].help_text = "GTIN / EAN / UPC, up to 14 digits."
        self.fields["price"].validators.append(MinValueValidator(0))
        self.fields["price"].widget.attrs["min"] = "0"
        self.fields["currency"].widget.attrs.update({"maxlength": 3, "autocapitalize": "characters"})
        self.fields["hs_code"].help_text = "Harmonized System tariff code, 6 to 10 digits (needed to ship abroad)."
        self.fields["origin_country"].help_text = "Where it was made: two-letter country code, e.g. PT."
        self.fields["origin_country"].widget.attrs.update({"maxlength": 2, "autocapitalize": "characters"})
        self.fields["customs_value"].help_text = "Declared value per unit; blank uses the price."
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "A SKU's code cannot change; create a new SKU instead."
        self.fields.update(
            {
                "product": forms.CharField(
                    label="Product",
                    required=False,
                    max_length=200,
                    help_text="The product this SKU is a variant of, e.g. Merino Crew Sweater. "
                    "A new name creates the product; empty keeps the SKU on its own.",
                    widget=forms.TextInput(attrs={"list": "product-names", "autocomplete": "off"}),
                ),
                "option1": forms.CharField(label="Size", required=False, max_length=60),
                "option2": forms.CharField(label="Colour", required=False, max_length=60),
            }
        )

    def clean_barcode(self) -> str:
        """A barcode is digits only (GTIN-8 to GTIN-14) or empty."""
        barcode = str(self.cleaned_data.get("barcode") or "").strip()
        if barcode and (not barcode.isdigit() or not 8 <= len(barcode) <= 14):
            raise forms.ValidationError("A barcode has 8 to 14 digits and nothing else.")
        return barcode

    def clean_origin_country(self) -> str:
        """Country codes are ISO 3166 alpha-2 in capitals."""
        value = str(self.cleaned_data.get("origin_country") or "").strip().upper()
        if value and (len(value) != 2 or not value.isalpha()):
            raise forms.ValidationError("Use the two-letter country code, e.g. US or PT.")
        return value

    def clean_currency(self) -> str:
        """Currencies are ISO 4217 codes in capitals."""
        return str(self.cleaned_data.get("currency") or "USD").upper()

    def service_data(self) -> dict[str, Any]:
        """The cleaned values to hand to `sku_save_with_variant` (a disabled code is not sent)."""
        data = {k: v for k, v in self.cleaned_data.items() if not self.fields[k].disabled}
        data["product_name"] = data.pop("product", "")
        return data


class ImportForm(forms.Form):
    """A CSV file of stock levels to import."""

    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8 CSV with a header row: location,sku,on_hand[,safety_stock][,product,option1,option2][,bin]. "
            "Up to 10 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    MAX_BYTES = 10 * 1024 * 1024

    def clean_file(self) -> Any:
        """Refuse files that are too big or plainly not CSV before the import reads them."""
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB. Split it into smaller files.")
        name = (upload.name or "").lower()
        if name and not name.endswith((".csv", ".txt")):
            raise forms.ValidationError("Upload a .csv file (save the spreadsheet as CSV UTF-8).")
        return upload
