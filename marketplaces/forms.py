"""Forms for the channel pages: they parse and check input; `channels.services` writes."""

from __future__ import annotations

from typing import Any

from django import forms

from channels.models import ChannelKind
from core.crypto import mask
from inventory.models import SKU, Location
from marketplaces.services.setup import FIELD_LABELS, OPTIONAL_DEFAULTS, OPTIONAL_FIELDS, SECRET_FIELDS


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
    # The brand customers see on this channel's returns pages and emails (`channels.services.branding`).
    brand_name = forms.CharField(
        label="Shop name customers see",
        max_length=120,
        required=False,
        help_text="On the returns pages and emails; empty: the channel's name.",
    )
    brand_logo_url = forms.URLField(
        label="Logo address",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="https address of the logo (PNG or SVG, about 160 x 40 px); empty: the name alone.",
    )
    brand_color = forms.RegexField(
        label="Brand colour",
        regex=r"^#[0-9a-fA-F]{6}$",
        max_length=7,
        required=False,
        error_messages={"invalid": "Enter a colour as # and six hex digits, e.g. #1f4fd1."},
        help_text="Buttons and links on the customer pages, e.g. #1f4fd1; empty: the product's blue.",
        widget=forms.TextInput(attrs={"placeholder": "#1f4fd1", "autocapitalize": "off", "spellcheck": "false"}),
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


# --- Marketplace sync -----------------------------------------------------------------------


class ConnectionForm(forms.Form):
    """Where the channel's API is and its credentials. Secrets are never shown back: blank keeps them."""

    base_url = forms.CharField(
        label="API address",
        max_length=300,
        help_text="e.g. https://my-shop.myshopify.com, https://sellingpartnerapi-na.amazon.com, "
        "https://api.ebay.com, https://shop.example.com — or sandbox://<name> for the built-in sandbox.",
    )
    sync_stock = forms.BooleanField(label="Push available stock to this channel", required=False, initial=True)

    def __init__(
        self, *args: Any, fields: tuple[str, ...] = (), stored: dict[str, str] | None = None, **kwargs: Any
    ) -> None:

        super().__init__(*args, **kwargs)
        stored = stored or {}
        for name in fields:
            secret = name in SECRET_FIELDS
            current = stored.get(name, "")
            self.fields[name] = forms.CharField(
                label=FIELD_LABELS.get(name, name.replace("_", " ").capitalize()),
                required=False,
                max_length=500,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
                if secret
                else forms.TextInput(),
                help_text=(
                    f"Stored: {mask(current)}. Leave blank to keep it."
                    if secret and current
                    else (OPTIONAL_DEFAULTS.get(name, "Optional.") if name in OPTIONAL_FIELDS else "Required.")
                    if not current
                    else OPTIONAL_DEFAULTS.get(name, "")
                ),
                initial=None if secret else current,
            )
        self.credential_fields = fields


class PolicyForm(forms.Form):
    """Which locations feed the channel, and how much of their stock it may show."""

    feeding_locations: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label="Locations that feed this channel",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every active location that ships orders.",
    )
    buffer = forms.IntegerField(label="Buffer (units held back per SKU)", min_value=0, max_value=1_000_000, initial=0)
    percentage = forms.IntegerField(label="Share offered (%)", min_value=0, max_value=100, initial=100)
    maximum = forms.IntegerField(
        label="Maximum per SKU", min_value=0, max_value=1_000_000, required=False, help_text="Blank: no maximum."
    )
    split_below = forms.IntegerField(
        label="Split the last units below",
        min_value=0,
        max_value=1_000_000,
        initial=10,
        help_text="With this many units or fewer left, channels selling the same stock share them by recent "
        "sales instead of each showing all of them, so two marketplaces cannot sell the same last unit. 0: never.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:

        super().__init__(*args, **kwargs)
        field = self.fields["feeding_locations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Location.objects.filter(is_active=True).order_by("code")


class ListingForm(forms.Form):
    """List one of our SKUs on the channel."""

    sku = forms.CharField(label="Our SKU", max_length=64)
    external_sku = forms.CharField(
        label="Seller SKU on the channel", max_length=100, required=False, help_text="Blank: the same as ours."
    )
    external_id = forms.CharField(
        label="Channel id",
        max_length=100,
        required=False,
        help_text="Shopify variant id, WooCommerce product id (parent:variation for a "
        "variation). Blank: the seller SKU (Amazon, eBay).",
    )
    inventory_ref = forms.CharField(
        label="Inventory item (Shopify)",
        max_length=100,
        required=False,
        help_text="gid://shopify/InventoryItem/… — Shopify only.",
    )

    def clean_sku(self) -> object:

        code = str(self.cleaned_data.get("sku") or "").strip()
        sku = SKU.objects.filter(code=code).first()
        if sku is None:
            raise forms.ValidationError(f"There is no SKU {code!r} in the catalogue.")
        return sku


class OverrideForm(forms.Form):
    """A SKU's exception to the channel's stock policy."""

    buffer = forms.IntegerField(
        label="Buffer", min_value=0, max_value=1_000_000, required=False, help_text="Blank: the channel's."
    )
    maximum = forms.IntegerField(
        label="Maximum", min_value=0, max_value=1_000_000, required=False, help_text="Blank: the channel's."
    )
    blocked = forms.BooleanField(label="Do not offer this SKU here", required=False)
