"""Forms of the quality pages: they parse input; the services check the rules and refuse with reasons."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms

from inventory.models import SKU, Location
from quality.models import DispositionAction, Inspection, PhotoReason, QcRule, QualityPolicy, SampleMode
from quality.photos import max_photo_bytes
from quality.services import RuleInput, UnitResult

PASS, FAIL = "pass", "fail"


class MultipleImageInput(forms.ClearableFileInput):
    """A file input that takes several photos at once (a phone offers its camera)."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the service checks each is a real photo)."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return single(data, initial)


def photos_field(label: str = "Photos") -> MultipleFileField:
    """The photo input every quality form uses: JPEG, PNG or WebP, several at once."""
    return MultipleFileField(
        label=label,
        required=False,
        widget=MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True}),
        help_text=f"JPEG, PNG or WebP, up to {max_photo_bytes() // 1_048_576} MB each.",
    )


class InspectionForm(forms.Form):
    """Pass or fail for each unit of the sample, what failed, photos and a note."""

    note = forms.CharField(label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, inspection: Inspection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        self.fields["photos"] = photos_field()
        checks = [(str(index), question) for index, question in enumerate(inspection.checklist)]
        for number in range(1, inspection.sample_quantity + 1):
            self.fields[f"unit-{number}-result"] = forms.ChoiceField(
                label=f"Unit {number}",
                choices=[(PASS, "Pass"), (FAIL, "Fail")],
                initial=PASS,
                widget=forms.RadioSelect,
            )
            self.fields[f"unit-{number}-checks"] = forms.MultipleChoiceField(
                label="What failed", choices=checks, required=False, widget=forms.CheckboxSelectMultiple
            )
            self.fields[f"unit-{number}-note"] = forms.CharField(label="Note", required=False, max_length=255)

    def rows(self) -> list[dict[str, Any]]:
        """One row per unit, for the template."""
        return [
            {
                "number": number,
                "result": self[f"unit-{number}-result"],
                "checks": self[f"unit-{number}-checks"],
                "note": self[f"unit-{number}-note"],
                "failed": self[f"unit-{number}-result"].value() == FAIL,
            }
            for number in range(1, self.inspection.sample_quantity + 1)
        ]

    def results(self) -> list[UnitResult]:
        """The units' results, as the service takes them."""
        data = self.cleaned_data
        results = []
        for number in range(1, self.inspection.sample_quantity + 1):
            passed = data.get(f"unit-{number}-result") != FAIL
            checks = tuple(int(index) for index in data.get(f"unit-{number}-checks") or ())
            # A unit marked "pass" keeps no ticks (a box ticked before switching back to pass is not a failure).
            results.append(
                UnitResult(
                    passed=passed, failed_checks=() if passed else checks, note=data.get(f"unit-{number}-note") or ""
                )
            )
        return results


class DispositionForm(forms.Form):
    """What to do with units of a quarantine lot."""

    action = forms.ChoiceField(label="Disposition", choices=DispositionAction.choices)
    quantity = forms.IntegerField(
        label="Units", min_value=1, max_value=1_000_000, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    vendor_reference = forms.CharField(label="Vendor RMA / claim", required=False, max_length=80)
    note = forms.CharField(label="Note", required=False, max_length=255)


class PhotoUploadForm(forms.Form):
    """Photos for a request (or straight onto a SKU's gallery)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"] = photos_field("Photos")


class PhotoRequestForm(forms.Form):
    """Ask the photo station for photos of a SKU."""

    reason = forms.ChoiceField(
        label="Why",
        choices=[(PhotoReason.LISTING_REFRESH.value, "Listing refresh"), (PhotoReason.NEW_ITEM.value, "New item")],
    )
    note = forms.CharField(label="Note for the photographer", required=False, max_length=255)


class PhotoReviewForm(forms.Form):
    """Approve (optionally as the primary image), reject with a reason, or make primary."""

    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject"), ("primary", "Make primary")])
    make_primary = forms.BooleanField(required=False)
    reason = forms.CharField(label="What is wrong", required=False, max_length=255)


class RuleForm(forms.Form):
    """A QC rule. SKU and locations by code; the checklist one question per line."""

    name = forms.CharField(max_length=120)
    sku = forms.CharField(label="SKU", required=False, max_length=64, help_text="One SKU's code; empty for every SKU.")
    locations = forms.ModelMultipleChoiceField(
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every location. A partner's rule ticks the partner's locations.",
    )
    min_unit_price = forms.DecimalField(
        label="Only SKUs priced from", required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    on_inbound = forms.BooleanField(label="Inspect inbound receipts", required=False, initial=True)
    before_ship = forms.BooleanField(label="Inspect before shipping (high-value goods)", required=False)
    sample_mode = forms.ChoiceField(label="Inspect", choices=SampleMode.choices)
    sample_size = forms.IntegerField(label="How many (units or %)", min_value=1, initial=1)
    checklist = forms.CharField(
        label="Checklist", widget=forms.Textarea(attrs={"rows": 5}), help_text="One question per line."
    )
    photograph_units = forms.BooleanField(label="Photograph each unit that passes", required=False)
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args: Any, locations: Sequence[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["locations"]
        field.queryset = Location.objects.filter(pk__in=[loc.pk for loc in locations]).order_by("code")  # type: ignore[attr-defined]

    def clean_sku(self) -> SKU | None:
        code = (self.cleaned_data.get("sku") or "").strip()
        if not code:
            return None
        sku = SKU.objects.filter(code=code).first()
        if sku is None:
            raise forms.ValidationError(f"There is no SKU with the code {code!r}.")
        return sku

    def rule_input(self) -> RuleInput:
        """The rule as the service takes it."""
        data = self.cleaned_data
        return RuleInput(
            name=data["name"],
            checklist=(data.get("checklist") or "").splitlines(),
            sku=data.get("sku"),
            locations=list(data.get("locations") or ()),
            min_unit_price=data.get("min_unit_price"),
            on_inbound=bool(data.get("on_inbound")),
            before_ship=bool(data.get("before_ship")),
            sample_mode=data["sample_mode"],
            sample_size=data.get("sample_size") or 1,
            photograph_units=bool(data.get("photograph_units")),
            is_active=bool(data.get("is_active")),
        )

    @staticmethod
    def initial_for(rule: QcRule) -> dict[str, Any]:
        """A saved rule as the form's initial values."""
        return {
            "name": rule.name,
            "sku": rule.sku.code if rule.sku else "",
            "locations": list(rule.locations.all()),
            "min_unit_price": rule.min_unit_price,
            "on_inbound": rule.on_inbound,
            "before_ship": rule.before_ship,
            "sample_mode": rule.sample_mode,
            "sample_size": rule.sample_size,
            "checklist": "\n".join(rule.checklist),
            "photograph_units": rule.photograph_units,
            "is_active": rule.is_active,
        }


class PolicyForm(forms.Form):
    """The defect policy: exclude partner locations above a rate."""

    exclude_above_percent = forms.DecimalField(
        label="Exclude partner locations above (% failed)",
        required=False,
        min_value=Decimal("0"),
        max_digits=5,
        decimal_places=2,
        help_text="Empty: never exclude.",
    )
    window_days = forms.IntegerField(label="Over the last (days)", min_value=1, initial=30)
    minimum_units = forms.IntegerField(label="After at least (inspected units)", min_value=1, initial=20)

    @staticmethod
    def initial_for(policy: QualityPolicy) -> dict[str, Any]:
        """The stored policy as initial values."""
        return {
            "exclude_above_percent": policy.exclude_above_percent,
            "window_days": policy.window_days,
            "minimum_units": policy.minimum_units,
        }
