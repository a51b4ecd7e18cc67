"""The SKU search picker: one widget for every form that takes a SKU.

It is a plain text input for the SKU code, so a form works without JavaScript (the form checks
the code and names the one it does not know). With `static/js/sku_picker.js`, typing asks
`inventory:sku_picker` for matching SKUs (code, name, barcode or product, with units on hand)
and picking one fills in its code.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from inventory.models import SKU

PICKER_TEMPLATE = "inventory/widgets/sku_picker.html"


def sku_picker_context(
    name: str, value: Any, *, attrs: dict[str, Any] | None = None, location_field: str = ""
) -> dict[str, Any]:
    """What the picker template needs; `location_field` names the form's location input, if any.

    When it is given the picker also shows the units on hand at the location chosen there.
    """
    defaults = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
    final = {**(attrs or {}), **{key: value for key, value in defaults.items() if key not in (attrs or {})}}
    results_id = f"{final.get('id') or name}-matches-{secrets.token_hex(3)}"
    return {
        "name": name,
        "value": "" if value is None else str(value),
        "attrs": {key: value for key, value in final.items() if value not in (None, False)},
        "results_id": results_id,
        "search_url": reverse("inventory:sku_picker"),
        "location_field": location_field,
    }


def render_sku_picker(name: str, value: Any, **kwargs: Any) -> SafeString:
    """The picker's HTML for a hand-written input (the line rows of transfers and orders)."""
    return SafeString(render_to_string(PICKER_TEMPLATE, sku_picker_context(name, value, **kwargs)))


class SKUPickerWidget(forms.TextInput):
    """A text input for a SKU code that searches SKUs as the user types (see the module docstring)."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, location_field: str = "") -> None:
        """`location_field`: the name of the form field holding a location code, for on-hand there."""
        super().__init__(attrs)
        self.location_field = location_field

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        """Render through the project's templates (the form renderer only sees app templates)."""
        merged = self.build_attrs(self.attrs, attrs)
        return render_sku_picker(name, self.format_value(value), attrs=merged, location_field=self.location_field)


class SKUCodeField(forms.CharField):
    """A SKU code typed, scanned (its barcode) or picked; cleans to the SKU, naming an unknown or inactive one."""

    widget = SKUPickerWidget

    def __init__(self, *, active_only: bool = True, **kwargs: Any) -> None:
        """`active_only`: refuse SKUs that are no longer sold (the default for new lines)."""
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)
        self.active_only = active_only

    def clean(self, value: Any) -> SKU | None:
        """The SKU with this code (exactly, then without regard to case) or barcode, or None if blank."""
        code = str(super().clean(value) or "").strip()
        if not code:
            return None
        sku = SKU.objects.filter(code=code).first() or SKU.objects.filter(code__iexact=code).first()
        if sku is None and code.isdigit():  # a scanner types the barcode, not the code
            sku = SKU.objects.filter(barcode=code).order_by("-is_active", "code").first()
        if sku is None:
            raise forms.ValidationError(f"No SKU has the code {code!r}. Type part of its name or code and pick it.")
        if self.active_only and not sku.is_active:
            raise forms.ValidationError(f"{sku.code} is inactive and cannot be used on new lines.")
        return sku

    def prepare_value(self, value: Any) -> Any:
        """Show a SKU as its code."""
        return value.code if isinstance(value, SKU) else value
