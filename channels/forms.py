"""Forms for the channel pages: they parse and check input; `channels.services` writes."""

from __future__ import annotations

from typing import Any

from django import forms

from channels.models import ChannelKind


class ChannelForm(forms.Form):
    """A sales channel's details; its code is fixed once created."""

    code = forms.SlugField(
        label="Code",
        max_length=32,
        help_text="Short, lowercase, e.g. shopify-us. Orders and API keys refer to it.",
    )
    name = forms.CharField(label="Name", max_length=120)
    kind = forms.ChoiceField(label="Kind", choices=[("", "Choose a kind…"), *ChannelKind.choices])
    currency = forms.CharField(
        label="Currency",
        max_length=3,
        min_length=3,
        initial="USD",
        help_text="ISO 4217 code, e.g. USD.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "maxlength": 3}),
    )
    is_active = forms.BooleanField(
        label="Enabled",
        required=False,
        initial=True,
        help_text="A disabled channel's API keys stop working until it is enabled again.",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        """When editing, the code is shown but cannot change."""
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "Codes cannot change: orders and API keys refer to them."

    def clean_code(self) -> str:
        """Codes are lowercase."""
        return str(self.cleaned_data.get("code") or "").lower()

    def clean_currency(self) -> str:
        """Currencies are three letters, in capitals."""
        currency = str(self.cleaned_data.get("currency") or "").strip().upper()
        if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
            raise forms.ValidationError("Enter a three-letter currency code such as USD.")
        return currency


class ApiKeyForm(forms.Form):
    """What a new API key is for."""

    name = forms.CharField(
        label="What uses this key",
        max_length=80,
        help_text="e.g. Storefront checkout, ERP nightly import. Shown in the key list.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
