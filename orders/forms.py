"""Forms of the order pages: list filters, bulk and single actions, the manual order, CSV import.

Forms only shape input. The services decide what is allowed; their refusals come back as
`DomainError`s with a `field` that the views put on the matching form field or line row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.http import QueryDict

from channels.models import Channel
from inventory.models import Location
from orders.models import DeliveryMethod, OrderStatus, ServiceLevel
from orders.selectors import OrderFilters
from orders.serializers import promised_date_problem

MIN_LINE_ROWS = 3
MAX_LINE_ROWS = 200
MAX_BULK = 200


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _code_choices(rows: list[Any], blank: str) -> list[tuple[str, str]]:
    return [("", blank), *((row.code, f"{row.code} · {row.name}") for row in rows)]


class OrderFilterForm(forms.Form):
    """The orders list's search and filters (GET). Unknown values are ignored, never an error page."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(required=False, choices=[("", "All"), *OrderStatus.choices])
    channel = forms.ChoiceField(required=False)
    location = forms.ChoiceField(required=False, label="Ships from")
    placed_from = forms.DateField(required=False, label="Placed from", widget=forms.DateInput(attrs={"type": "date"}))
    placed_to = forms.DateField(required=False, label="Placed to", widget=forms.DateInput(attrs={"type": "date"}))
    kpi = forms.CharField(required=False, max_length=30, widget=forms.HiddenInput)  # a KPI drill-down
    tag = forms.CharField(required=False, max_length=40)

    def __init__(self, *args: Any, channels: list[Channel], locations: list[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channels = {channel.code: channel for channel in channels}
        self.locations = {location.code: location for location in locations}
        _choice_field(self, "channel").choices = _code_choices(channels, "All channels")
        _choice_field(self, "location").choices = _code_choices(locations, "Any location")

    def filters(self) -> OrderFilters:
        """The filters to apply: the valid fields only."""
        if not self.is_bound:
            return OrderFilters()
        self.is_valid()  # an invalid field is dropped from cleaned_data; the others still filter
        data = self.cleaned_data
        channel = self.channels.get(data.get("channel") or "")
        location = self.locations.get(data.get("location") or "")
        return OrderFilters(
            query=(data.get("q") or "").strip(),
            status=data.get("status") or "",
            channel_id=channel.pk if channel else None,
            location_id=location.pk if location else None,
            placed_from=data.get("placed_from"),
            placed_to=data.get("placed_to"),
            kpi=data.get("kpi") or "",
            tag=" ".join((data.get("tag") or "").split()).lower(),
        )


BULK_ACTIONS = {
    "hold": ("held", "orders.route_order"),
    "release": ("released", "orders.route_order"),
    "reroute": ("re-routed", "orders.route_order"),
    "cancel": ("cancelled", "orders.cancel_order"),
}


class BulkActionForm(forms.Form):
    """Hold, release, re-route or cancel the ticked orders."""

    action = forms.ChoiceField(choices=[(key, key) for key in BULK_ACTIONS])
    orders = forms.TypedMultipleChoiceField(coerce=int, choices=[], error_messages={"required": "Tick some orders."})
    reason = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = self.data.getlist("orders") if isinstance(self.data, QueryDict) else []
        _choice_field(self, "orders").choices = [(value, value) for value in ids[:MAX_BULK] if str(value).isdigit()]

    def clean_orders(self) -> list[int]:
        ids: list[int] = self.cleaned_data["orders"]
        if len(ids) > MAX_BULK:
            raise forms.ValidationError(f"At most {MAX_BULK} orders at a time.")
        return ids


class ReasonForm(forms.Form):
    """The reason typed with an action (hold, cancel, re-route, reject)."""

    reason = forms.CharField(required=False, max_length=200)


class ManualOrderForm(forms.Form):
    """An order taken by hand (phone, email, a store counter); its lines are rows of the same form."""

    channel = forms.ChoiceField()
    external_id = forms.CharField(
        label="Channel order id",
        required=False,
        max_length=100,
        help_text="The reference the customer knows, if any; left empty, one is made up.",
    )
    customer_name = forms.CharField(label="Customer name", max_length=200)
    customer_email = forms.EmailField(label="Email", required=False)
    customer_phone = forms.CharField(label="Phone", required=False, max_length=40)
    line1 = forms.CharField(label="Address", required=False, max_length=200)
    line2 = forms.CharField(label="Address line 2", required=False, max_length=200)
    city = forms.CharField(required=False, max_length=100, help_text="Filled from the ZIP code when empty.")
    region = forms.CharField(label="State", required=False, max_length=100)
    postal_code = forms.CharField(label="ZIP code", max_length=20)
    country = forms.CharField(max_length=2, initial="US")
    delivery_method = forms.ChoiceField(
        label="Delivery", choices=DeliveryMethod.choices, initial=DeliveryMethod.SHIP, widget=forms.RadioSelect
    )
    service_level = forms.ChoiceField(label="Service", choices=ServiceLevel.choices, initial=ServiceLevel.STANDARD)
    pickup_location = forms.ChoiceField(label="Pickup store", required=False)
    promised_delivery_date = forms.DateField(
        label="Promised by", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    #: Where the service's `field` names land on this form.
    SERVICE_FIELDS = {
        "channel": "channel",
        "external_id": "external_id",
        "customer.name": "customer_name",
        "shipping_address.postal_code": "postal_code",
        "delivery.method": "delivery_method",
        "delivery.service": "service_level",
        "delivery.pickup_location": "pickup_location",
    }

    def __init__(self, *args: Any, channels: list[Channel], pickup_stores: list[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channels = {channel.code: channel for channel in channels}
        _choice_field(self, "channel").choices = [(c.code, c.name) for c in channels]
        _choice_field(self, "pickup_location").choices = [
            ("", "Choose a store"),
            *((s.code, s.name) for s in pickup_stores),
        ]
        self.fields["postal_code"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "postal-code"})
        self.fields["country"].widget.attrs.update({"autocapitalize": "characters", "size": 2})

    def clean_promised_delivery_date(self) -> date | None:
        """The same range the API takes: not before the order (less a day for time zones), at most a year ahead."""
        promised = self.cleaned_data.get("promised_delivery_date")
        problem = promised_date_problem(promised, None)
        if problem:
            raise forms.ValidationError(problem)
        return promised

    def clean_country(self) -> str:
        return str(self.cleaned_data["country"]).strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("delivery_method") == DeliveryMethod.PICKUP and not data.get("pickup_location"):
            self.add_error("pickup_location", "Choose the store the customer picks up from.")
        return data

    def chosen_channel(self) -> Channel:
        return self.channels[self.cleaned_data["channel"]]

    def add_service_error(self, service_field: str | None, message: str) -> bool:
        """Put a service refusal on its field; False if it is about something else (a line)."""
        name = self.SERVICE_FIELDS.get(service_field or "")
        if name is None:
            return False
        self.add_error(name, message)
        return True


@dataclass
class LineRow:
    """One row of the order lines table, as typed, with its error if any."""

    sku: str = ""
    quantity: str = ""
    price: str = ""
    error: str = ""
    error_field: str = ""

    @property
    def blank(self) -> bool:
        return not self.sku and not self.quantity and not self.price


@dataclass
class ParsedLines:
    """The rows to show again and the (sku, quantity, unit price) they make."""

    rows: list[LineRow] = field(default_factory=list)
    lines: list[tuple[str, int, Decimal]] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and not any(row.error for row in self.rows)

    def add_service_error(self, service_field: str | None, message: str) -> None:
        """Put a refusal about `lines[i].x` on the row it names (filled rows come first)."""
        prefix, _, rest = (service_field or "").partition("[")
        index, _, column = rest.partition("].")
        if prefix == "lines" and index.isdigit() and int(index) < len(self.rows):
            row = self.rows[int(index)]
            row.error, row.error_field = message, column
        else:
            self.error = message


def blank_line_rows(count: int = MIN_LINE_ROWS) -> list[LineRow]:
    return [LineRow() for _ in range(count)]


def parse_order_lines(data: QueryDict, *, extra_rows: int = 0) -> ParsedLines:
    """Read the repeated `line_sku` / `line_qty` / `line_price` inputs into checked rows.

    Blank rows are ignored; a row without a SKU, a quantity that is not a whole number of at
    least 1, or a price that is not an amount gets an error on that row.
    """
    columns = [
        [str(v).strip() for v in data.getlist(name)][:MAX_LINE_ROWS] for name in ("line_sku", "line_qty", "line_price")
    ]
    width = max(len(column) for column in columns)
    skus, quantities, prices = ([*column, *[""] * (width - len(column))] for column in columns)
    rows = [LineRow(sku, qty, price) for sku, qty, price in zip(skus, quantities, prices, strict=True)]
    parsed = ParsedLines(rows=[row for row in rows if not row.blank])
    for row in parsed.rows:
        if not row.sku:
            row.error, row.error_field = "Enter the SKU code.", "sku"
            continue
        try:
            quantity = int(row.quantity)
        except ValueError:
            row.error = "Enter a whole number of units." if row.quantity else "Enter a quantity."
            row.error_field = "quantity"
            continue
        if quantity < 1:
            row.error, row.error_field = "The quantity must be at least 1.", "quantity"
            continue
        try:
            price = Decimal(row.price.replace("$", "").replace(",", "")) if row.price else Decimal("0.00")
        except InvalidOperation:
            price = Decimal(-1)
        if not price.is_finite() or price < 0 or price >= 10**10 or price != price.quantize(Decimal("0.01")):
            row.error, row.error_field = "Enter a price such as 19.99 (or leave it empty).", "unit_price"
            continue
        parsed.lines.append((row.sku, quantity, price))
    if not parsed.rows:
        parsed.error = "Add at least one line: a SKU code and a quantity."
    parsed.rows += blank_line_rows(max(MIN_LINE_ROWS - len(parsed.rows), 0) + extra_rows)
    return parsed


class OrderImportForm(forms.Form):
    """A CSV file of orders."""

    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with a header row, one row per order line. Up to 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB. Split it into smaller files.")
        name = (upload.name or "").lower()
        if name and not name.endswith((".csv", ".txt")):
            raise forms.ValidationError("Upload a .csv file (save the spreadsheet as CSV UTF-8).")
        return upload
