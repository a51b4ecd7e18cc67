"""Forms of the Routing pages: cost figures, routing rules, zone bands, and the rate calculator."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.models import fields_for_model

from fulfillment.forms.carriers import LEVEL_CHOICES, pounds_to_grams
from fulfillment.models import CostSettings
from fulfillment.services.rates import COST_SETTINGS_FIELDS, MAX_POLICY_PACKAGES, MAX_RADIUS_MILES, PolicyRules
from inventory.models import Location, LocationKind

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
