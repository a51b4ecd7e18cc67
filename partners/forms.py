"""Forms of the partner pages: the staff's filters and actions, and the supplier portal's documents.

The portal forms turn what a supplier typed (or uploaded as CSV) into the plain documents of
`partners.documents`; whether the PO takes them is for the services to say. A form checks only
what it can see on the page (a number, a quantity within the line); a refusal of the service is
shown on the same form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from partners.documents import (
    AckLine,
    Acknowledgment,
    InvoiceInput,
    InvoiceLineInput,
    ShipLine,
    ShipNotice,
)
from partners.models import PurchaseOrderLine, PurchaseOrderStatus
from partners.portal_csv import MAX_UNITS
from partners.selectors import SLA_CHOICES, SLA_LATE

#: Tracking numbers are typed one per line; commas, semicolons and spaces separate them too.
TRACKING_SEPARATORS = re.compile(r"[\s,;]+")
#: Carriers offered as suggestions (any other name may be typed).
CARRIER_SUGGESTIONS = ("UPS", "FedEx", "USPS", "DHL Express", "OnTrac", "Canada Post")
#: An uploaded CSV larger than this is refused before it is read.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _small_file(upload: Any) -> Any:
    if upload is not None and upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split it.")
    return upload


class PurchaseOrderFilterForm(forms.Form):
    """The staff's purchase order list: a number, a partner, a status, an SLA status (or any late)."""

    q = forms.CharField(label="PO number", required=False, max_length=20)
    partner = forms.ChoiceField(label="Partner", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *PurchaseOrderStatus.choices]
    )
    sla = forms.ChoiceField(
        label="SLA", required=False, choices=[("", "Any"), (SLA_LATE, "Late (either)"), *SLA_CHOICES]
    )

    def __init__(self, *args: Any, partners: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partner = self.fields["partner"]
        assert isinstance(partner, forms.ChoiceField)
        partner.choices = [("", "Every partner"), *partners]

    def filters(self) -> dict[str, str]:
        """The valid filters (a value that is not a choice is ignored, not an error page)."""
        if not self.is_bound:
            return {"q": "", "partner": "", "status": "", "sla": ""}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: str(data.get(name) or "") for name in ("q", "partner", "status", "sla")}


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why is it cancelled?",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept on the purchase order and shown to the supplier.",
    )


class ApproveInvoiceForm(forms.Form):
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=300,
        help_text="Required when the invoice differs from the PO or what shipped: say why it is paid anyway.",
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(label="Key name", max_length=80, help_text="What uses it, e.g. “Acme ERP”.")


# --- The supplier portal ------------------------------------------------------------------------


def line_open_for_ack(line: PurchaseOrderLine) -> bool:
    """Units of the line nobody has accepted or rejected yet."""
    return line.quantity_accepted + line.quantity_rejected < line.quantity


def line_left_to_ship(line: PurchaseOrderLine) -> int:
    """Units of the line not rejected and not shipped yet."""
    return max(line.quantity - line.quantity_rejected - line.quantity_shipped, 0)


@dataclass(frozen=True)
class LineFields:
    """A PO line with its bound fields, for the templates."""

    line: PurchaseOrderLine
    fields: tuple[forms.BoundField, ...]


class AcknowledgeForm(forms.Form):
    """Accept every line, reject every line with a reason, or accept some units of each line."""

    ACCEPT_ALL, SOME, REJECT_ALL = "accept_all", "some", "reject_all"

    action = forms.ChoiceField(
        choices=[(ACCEPT_ALL, "Accept all"), (SOME, "Accept these quantities"), (REJECT_ALL, "Reject all")],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(label="Why can't you ship it?", required=False, max_length=200)

    def __init__(self, *args: Any, lines: Sequence[PurchaseOrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if line_open_for_ack(line)]
        for line in self.lines:
            self.fields[f"accept_{line.line_number}"] = forms.IntegerField(
                label=f"Accept (of {line.quantity})",
                min_value=line.quantity_shipped,  # what already shipped is accepted
                max_value=line.quantity,
                initial=line.quantity,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            self.fields[f"reason_{line.line_number}"] = forms.CharField(
                label="Reason for the rest", required=False, max_length=200
            )

    def rows(self) -> list[LineFields]:
        return [
            LineFields(line, (self[f"accept_{line.line_number}"], self[f"reason_{line.line_number}"]))
            for line in self.lines
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == self.REJECT_ALL and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why you cannot ship it.")
        if action == self.SOME:
            for line in self.lines:
                accepted = data.get(f"accept_{line.line_number}")
                if accepted is None:
                    self.add_error(f"accept_{line.line_number}", "Give the units you accept (0 for none).")
                elif accepted < line.quantity and not (data.get(f"reason_{line.line_number}") or "").strip():
                    self.add_error(f"reason_{line.line_number}", "Say why you cannot ship the rest.")
        return data

    def acknowledgment(self, po_number: str) -> Acknowledgment:
        """The acknowledgment the supplier gave (call after `is_valid`)."""
        data = self.cleaned_data
        answers = []
        for line in self.lines:
            number = line.line_number
            if data["action"] == self.ACCEPT_ALL:
                answers.append(AckLine(number, line.quantity))
            elif data["action"] == self.REJECT_ALL:
                answers.append(AckLine(number, line.quantity_shipped, data["reason"].strip()))
            else:
                answers.append(AckLine(number, data[f"accept_{number}"], data[f"reason_{number}"].strip()))
        return Acknowledgment(po_number=po_number, lines=tuple(answers))


def split_tracking_numbers(text: str) -> list[str]:
    """Tracking numbers as typed: one per line (or separated by commas or spaces), each once, in order."""
    numbers: list[str] = []
    for number in TRACKING_SEPARATORS.split(text.strip()):
        if number and number not in numbers:
            numbers.append(number)
    return numbers


class ShipmentForm(forms.Form):
    """A shipment the supplier made: carrier, tracking numbers (one per parcel), units per line."""

    carrier = forms.CharField(label="Carrier", max_length=60, widget=forms.TextInput(attrs={"list": "carriers"}))
    service = forms.CharField(label="Service", required=False, max_length=60, help_text="e.g. Ground, 2nd Day Air")
    tracking_numbers = forms.CharField(
        label="Tracking numbers",
        widget=forms.Textarea(
            attrs={"rows": 3, "autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}
        ),
        help_text="One per parcel, one per line.",
    )
    reference = forms.CharField(
        label="Your shipment reference", max_length=60, help_text="Sending the same reference twice changes nothing."
    )

    def __init__(self, *args: Any, lines: Sequence[PurchaseOrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if line_left_to_ship(line)]
        for line in self.lines:
            self.fields[f"ship_{line.line_number}"] = forms.IntegerField(
                label=f"Units in this shipment (of {line_left_to_ship(line)} left)",
                min_value=0,
                max_value=line_left_to_ship(line),
                initial=line_left_to_ship(line),
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def rows(self) -> list[LineFields]:
        return [LineFields(line, (self[f"ship_{line.line_number}"],)) for line in self.lines]

    def clean_tracking_numbers(self) -> list[str]:
        numbers = split_tracking_numbers(self.cleaned_data["tracking_numbers"])
        too_long = [number for number in numbers if len(number) > 64]
        if too_long:
            raise forms.ValidationError(f"A tracking number has at most 64 characters: {too_long[0][:20]}…")
        if not numbers:
            raise forms.ValidationError("Give at least one tracking number.")
        return numbers

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.lines and not any(data.get(f"ship_{line.line_number}") for line in self.lines):
            self.add_error(None, "Say how many units of which line are in this shipment.")
        return data

    def notice(self, po_number: str) -> ShipNotice:
        data = self.cleaned_data
        return ShipNotice(
            po_number=po_number,
            reference=data["reference"].strip(),
            lines=tuple(
                ShipLine(line.line_number, data[f"ship_{line.line_number}"])
                for line in self.lines
                if data.get(f"ship_{line.line_number}")
            ),
            carrier=data["carrier"].strip(),
            service=(data.get("service") or "").strip(),
            tracking_numbers=tuple(data["tracking_numbers"]),
        )


class InvoiceForm(forms.Form):
    """An invoice typed on the page (lines prefilled from what shipped) or its lines from a CSV file."""

    number = forms.CharField(label="Invoice number", max_length=60)
    invoiced_at = forms.DateField(label="Invoice date", widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(
        label="Or upload the lines as CSV",
        required=False,
        help_text="Columns: line (or sku), quantity, unit_price. The lines typed above are then ignored.",
    )

    def __init__(self, *args: Any, lines: Sequence[PurchaseOrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoiced_at"].initial = timezone.localdate()
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"qty_{line.line_number}"] = forms.IntegerField(
                label="Units",
                min_value=0,
                max_value=MAX_UNITS,
                initial=max(line.quantity_shipped - line.quantity_invoiced, 0),
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            self.fields[f"price_{line.line_number}"] = forms.DecimalField(
                label="Unit price",
                min_value=Decimal("0"),
                max_digits=12,
                decimal_places=2,
                initial=line.unit_cost,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
            )

    def rows(self) -> list[LineFields]:
        return [
            LineFields(line, (self[f"qty_{line.line_number}"], self[f"price_{line.line_number}"]))
            for line in self.lines
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("file") and not any(data.get(f"qty_{line.line_number}") for line in self.lines):
            self.add_error(None, "Invoice at least one unit, or upload the lines as CSV.")
        return data

    def clean_file(self) -> Any:
        return _small_file(self.cleaned_data.get("file"))

    def typed_lines(self) -> tuple[InvoiceLineInput, ...]:
        data = self.cleaned_data
        return tuple(
            InvoiceLineInput(
                quantity=data[f"qty_{line.line_number}"],
                unit_price=data[f"price_{line.line_number}"],
                line_number=line.line_number,
            )
            for line in self.lines
            if data.get(f"qty_{line.line_number}")
        )

    def invoice(self, po_number: str, lines: tuple[InvoiceLineInput, ...]) -> InvoiceInput:
        return InvoiceInput(
            po_number=po_number,
            number=self.cleaned_data["number"].strip(),
            invoiced_at=self.cleaned_data["invoiced_at"],
            lines=lines,
        )


class InventoryUploadForm(forms.Form):
    file = forms.FileField(
        label="Inventory file (CSV)",
        help_text="Columns: sku, quantity and optionally warehouse. Your own SKU codes work too.",
    )

    def clean_file(self) -> Any:
        return _small_file(self.cleaned_data.get("file"))
