"""Forms of the returns pages: choosing lines to return, receiving, inspecting, the customer's lookup."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms

from inventory.models import Location
from inventory.widgets import SKUCodeField, SKUPickerWidget
from returns.models import Condition, Disposition, ReturnReason, ReturnUnit
from returns.services import Returnable, ReturnLineInput, UnitInspection


class ReturnLinesForm(forms.Form):
    """One row per order line that can come back: how many, why, and optionally what to exchange it for."""

    customer_note = forms.CharField(
        label="Note", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        returnables: Sequence[Returnable],
        reasons: Sequence[ReturnReason],
        allow_exchange: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.returnables = list(returnables)
        self.allow_exchange = allow_exchange
        reason_choices = [("", "Choose a reason…"), *((r.code, r.label) for r in reasons)]
        for item in self.returnables:
            pk = item.line.pk
            self.fields[f"qty-{pk}"] = forms.IntegerField(
                label=f"Units of {item.line.sku.code} to return",
                min_value=0,
                max_value=max(item.available, 0),
                required=False,
                initial=0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "qty-input"}),
            )
            self.fields[f"reason-{pk}"] = forms.ChoiceField(
                label=f"Reason for {item.line.sku.code}", choices=reason_choices, required=False
            )
            if allow_exchange:
                # Staff pick the exchange from the SKU search (the customer's page offers variants instead).
                self.fields[f"exchange-{pk}"] = SKUCodeField(
                    label=f"Exchange {item.line.sku.code} for (SKU)",
                    required=False,
                    widget=SKUPickerWidget(attrs={"placeholder": "Refund"}),
                )

    def rows(self) -> list[dict[str, Any]]:
        """The bound fields per line, for the template."""
        rows = []
        for item in self.returnables:
            pk = item.line.pk
            rows.append(
                {
                    "item": item,
                    "qty": self[f"qty-{pk}"],
                    "reason": self[f"reason-{pk}"],
                    "exchange": self[f"exchange-{pk}"] if self.allow_exchange else None,
                }
            )
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = 0
        for item in self.returnables:
            pk = item.line.pk
            quantity = data.get(f"qty-{pk}") or 0
            if quantity and not data.get(f"reason-{pk}"):
                self.add_error(f"reason-{pk}", "Choose why it comes back.")
            chosen += quantity
        if not chosen and not self.errors:
            raise forms.ValidationError("Enter how many units of at least one item come back.")
        return data

    def line_inputs(self) -> list[ReturnLineInput]:
        data = self.cleaned_data
        return [
            ReturnLineInput(
                order_line_id=item.line.pk,
                quantity=data[f"qty-{item.line.pk}"],
                reason=data[f"reason-{item.line.pk}"],
                exchange_sku=self.exchange_code(item.line.pk),
            )
            for item in self.returnables
            if data.get(f"qty-{item.line.pk}")
        ]

    def exchange_code(self, line_pk: int) -> str:
        """The SKU code a line is exchanged for ("" for a refund); the staff field holds a SKU."""
        chosen = self.cleaned_data.get(f"exchange-{line_pk}")
        return chosen.code if self.allow_exchange and chosen else ""

    def field_for(self, service_field: str | None) -> str | None:
        """The form field a service refusal is about (`lines[2].quantity` -> `qty-<id>`)."""
        if not service_field:
            return None
        match = re.fullmatch(r"lines\[(\d+)\](?:\.(\w+))?", service_field)
        if not match:
            return None
        chosen = [item for item in self.returnables if self.cleaned_data.get(f"qty-{item.line.pk}")]
        index = int(match.group(1))
        if index >= len(chosen):
            return None
        prefix = {"quantity": "qty", "reason": "reason", "exchange_sku": "exchange"}.get(match.group(2) or "", "qty")
        name = f"{prefix}-{chosen[index].line.pk}"
        return name if name in self.fields else None


class CustomerLookupForm(forms.Form):
    order_number = forms.CharField(
        label="Order number",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "e.g. SO-000123", "autofocus": True}),
    )
    email = forms.EmailField(
        label="Email used for the order",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@example.com"}),
    )


class ScanForm(forms.Form):
    code = forms.CharField(
        label="Scan the RMA or order barcode",
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autofocus": True,
                "placeholder": "RMA-000123, SO-000123 or tracking number",
                "data-scan": "",
            }
        ),
    )


class ReceiveForm(forms.Form):
    """Units actually in the parcel, per line (defaults to everything authorised)."""

    def __init__(self, *args: Any, lines: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"received-{line.pk}"] = forms.IntegerField(
                label=f"{line.sku.code} in the parcel",
                min_value=0,
                max_value=line.quantity,
                initial=line.quantity,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "qty-input"}),
            )

    def rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(line, self[f"received-{line.pk}"]) for line in self.lines]

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data[f"received-{line.pk}"] for line in self.lines}


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the service checks each is a real photo)."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return single(data, initial)


class InspectionForm(forms.Form):
    """One row per unit waiting for inspection; photos for the whole return."""

    photos = MultipleFileField(
        label="Photos",
        required=False,
        widget=MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True}),
        help_text="JPEG, PNG or WebP, up to 8 MB each.",
    )

    def __init__(
        self, *args: Any, units: Sequence[ReturnUnit], destinations: Sequence[Location], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.units = [unit for unit in units if not unit.disposition]
        self.fields["photos_unit"] = forms.TypedChoiceField(
            label="The photos show",
            choices=[
                ("", "The whole parcel (or the one unit inspected)"),
                *((str(unit.pk), f"{unit.line.sku.code} #{unit.sequence}") for unit in self.units),
            ],
            coerce=int,
            empty_value=None,
            required=False,
        )
        destination_choices = [("", "Send to…"), *((loc.code, f"{loc.code} — {loc.name}") for loc in destinations)]
        for unit in self.units:
            pk = unit.pk
            self.fields[f"unit-{pk}-condition"] = forms.ChoiceField(
                label="Condition", choices=[("", "Condition…"), *Condition.choices], required=False
            )
            self.fields[f"unit-{pk}-disposition"] = forms.ChoiceField(
                label="Disposition", choices=[("", "What happens…"), *Disposition.choices], required=False
            )
            self.fields[f"unit-{pk}-scrap_reason"] = forms.CharField(label="Why scrap", required=False, max_length=200)
            self.fields[f"unit-{pk}-transfer_to"] = forms.ChoiceField(
                label="Transfer to", choices=destination_choices, required=False
            )
            self.fields[f"unit-{pk}-vendor"] = forms.CharField(label="Vendor", required=False, max_length=120)
            self.fields[f"unit-{pk}-note"] = forms.CharField(label="Note", required=False, max_length=300)

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "unit": unit,
                **{
                    name: self[f"unit-{unit.pk}-{name}"]
                    for name in ("condition", "disposition", "scrap_reason", "transfer_to", "vendor", "note")
                },
            }
            for unit in self.units
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for unit in self.units:
            condition = data.get(f"unit-{unit.pk}-condition")
            disposition = data.get(f"unit-{unit.pk}-disposition")
            if bool(condition) != bool(disposition):
                missing = "disposition" if condition else "condition"
                self.add_error(f"unit-{unit.pk}-{missing}", f"Choose the {missing} too, or leave both empty.")
        return data

    def inspections(self) -> list[UnitInspection]:
        data = self.cleaned_data
        result = []
        for unit in self.units:
            prefix = f"unit-{unit.pk}-"
            if not data.get(prefix + "condition"):
                continue
            result.append(
                UnitInspection(
                    unit_id=unit.pk,
                    condition=data[prefix + "condition"],
                    disposition=data[prefix + "disposition"],
                    note=data.get(prefix + "note") or "",
                    scrap_reason=data.get(prefix + "scrap_reason") or "",
                    transfer_to=data.get(prefix + "transfer_to") or "",
                    vendor=data.get(prefix + "vendor") or "",
                )
            )
        return result


class NoteForm(forms.Form):
    note = forms.CharField(required=False, max_length=300)


class ReasonRequiredForm(forms.Form):
    reason = forms.CharField(max_length=300)


class ReferenceForm(forms.Form):
    reference = forms.CharField(required=False, max_length=100)


class CounterLookupForm(forms.Form):
    """Scan first: the receipt's barcode alone is enough to start; the proof is asked for next."""

    order = forms.CharField(
        label="Order number: scan the receipt or type it",
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autofocus": True,
                "placeholder": "SO-000123, RMA-000123 or the receipt's order id",
                "inputmode": "text",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "data-scan": "",
            }
        ),
    )
    # Optional in the form so a scan alone submits; the view still opens no order without it.
    check = forms.CharField(
        label="Customer's email, postal code or last name",
        max_length=254,
        required=False,
        help_text="As on the order: the order opens only when it matches.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "ada@example.com, 10001 or Lovelace"}),
    )

    def ask_for_proof(self) -> None:
        """After a scan without the proof: the cursor goes to the proof, the scanned code stays."""
        self.fields["order"].widget.attrs.pop("autofocus", None)
        self.fields["check"].widget.attrs["autofocus"] = True
