"""`{% sku_picker "line_sku" row.sku %}`: the SKU picker for inputs a template writes by hand."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from inventory.widgets import render_sku_picker

register = template.Library()


@register.simple_tag
def sku_picker(
    name: str, value: Any = "", *, at: str = "", invalid: bool = False, error_row: Any = "", **attrs: Any
) -> SafeString:
    """Render the picker; `at` names the location input, `invalid` marks it wrong and `error_row`
    ties it to the row's message (`line-error-<n>`, as the line tables number them).

    Other keyword arguments become attributes of the input, underscores written as hyphens.
    """
    final = {key.replace("_", "-"): value for key, value in attrs.items()}
    if invalid:
        final["aria-invalid"] = "true"
    if error_row:
        final["aria-describedby"] = f"line-error-{error_row}"
    return render_sku_picker(name, value, attrs=final, location_field=at)
