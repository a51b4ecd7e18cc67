"""Forms of the carrier pages: they parse input; `carriers.services` checks it and writes.

The account form carries every provider's credential fields (named `<provider>_<credential>`)
so the provider can be chosen on the same page; only the chosen provider's are read. Secrets
are never rendered back: a stored one shows masked, and leaving it blank keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from carriers.models import BoxType, CarrierAccount, LabelFormat, Provider
from carriers.services import CREDENTIAL_FIELDS, BoxSpec, missing_credentials, sandbox_url
from core.crypto import mask
from inventory.models import Location


def credential_field_name(provider: str, credential: str) -> str:
    """The form field of one provider's credential."""
    return f"{provider}_{credential}"


class CarrierAccountForm(forms.Form):
    """A carrier account: provider, where it answers, its credentials and the locations that use it."""

    provider = forms.ChoiceField(
        label="Provider",
        choices=[("", "Choose a provider…"), *Provider.choices],
        help_text="Cannot change later.",
        error_messages={"required": "Choose the provider: EasyPost, Shippo, UPS or the built-in carrier."},
    )
    name = forms.CharField(
        label="Name",
        max_length=120,
        help_text="As staff will see it, e.g. EasyPost (Dallas).",
        error_messages={"required": "Enter a name staff will recognise, e.g. EasyPost (Dallas)."},
    )
    code = forms.SlugField(
        label="Code",
        max_length=40,
        help_text="Short, lowercase, e.g. easypost-dal. It is part of the webhook address and cannot change.",
        error_messages={
            "required": "Enter a short code, e.g. easypost-dal.",
            "invalid": "Use lowercase letters, digits, hyphens and underscores only.",
        },
    )
    base_url = forms.CharField(
        label="API address",
        max_length=300,
        required=False,
        help_text="Blank: the provider's production address. A test host (e.g. https://wwwcie.ups.com) "
        "or sandbox://<provider> for the in-product sandbox.",
    )
    use_sandbox = forms.BooleanField(
        label="Use the in-product sandbox",
        required=False,
        help_text="Sets the address to sandbox://<provider>: rates, labels and tracking are simulated, nothing is "
        "bought.",
    )
    locations = forms.ModelMultipleChoiceField(
        label="Locations that ship with it",
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Packers at these locations are offered this account's rates.",
    )
    label_format = forms.ChoiceField(label="Label format", choices=LabelFormat.choices, initial=LabelFormat.PDF)
    is_active = forms.BooleanField(
        label="Active", required=False, initial=True, help_text="An inactive account is offered nowhere."
    )

    def __init__(
        self,
        *args: Any,
        locations: QuerySet[Location],
        account: CarrierAccount | None = None,
        stored: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        """Editing an account fixes its provider and code and shows only its provider's credentials."""
        super().__init__(*args, **kwargs)
        locations_field = self.fields["locations"]
        assert isinstance(locations_field, forms.ModelMultipleChoiceField)
        locations_field.queryset = locations
        self.account = account
        stored = stored or {}
        self.stored = dict(stored)
        providers = [account.provider] if account else list(Provider.values)
        self.credential_groups: list[tuple[str, str, list[str]]] = []
        for provider in providers:
            names = []
            for spec in CREDENTIAL_FIELDS[provider]:
                name = credential_field_name(provider, spec.name)
                current = stored.get(spec.name, "")
                self.fields[name] = forms.CharField(
                    label=spec.label,
                    required=False,
                    max_length=500,
                    strip=True,
                    widget=forms.PasswordInput(
                        render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
                    ),
                    help_text=f"Stored: {mask(current)}. Leave blank to keep it." if current else "Required.",
                )
                names.append(name)
            self.credential_groups.append((provider, Provider(provider).label, names))
        if account:
            for name in ("provider", "code"):
                self.fields[name].disabled = True
                self.fields[name].required = False
            self.fields["provider"].help_text = "Fixed once created: add another account for another provider."
            self.fields["code"].help_text = "Fixed once created: the webhook address and labels refer to it."
            if account.provider == Provider.BUILTIN:
                del self.fields["base_url"], self.fields["use_sandbox"]

    def credential_group_fields(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(provider, its name, its bound credential fields) for the template."""
        return [(provider, label, [self[name] for name in names]) for provider, label, names in self.credential_groups]

    def chosen_provider(self) -> str:
        """The provider being created or edited."""
        if self.account:
            return self.account.provider
        return str(self.cleaned_data.get("provider") or "")

    def clean_code(self) -> str:
        """Codes are lowercase."""
        return str(self.cleaned_data.get("code") or "").lower()

    def clean(self) -> dict[str, Any]:
        """Ask for every credential the chosen provider still lacks at once (the service checks again)."""
        cleaned = super().clean() or {}
        provider = self.chosen_provider()
        if provider in CREDENTIAL_FIELDS:
            for spec, message in missing_credentials(provider, self.stored, self.credentials()):
                self.add_error(credential_field_name(provider, spec.name), message)
        return cleaned

    def address(self) -> str:
        """The address to save: the sandbox's when "Use the in-product sandbox" is ticked."""
        provider = self.chosen_provider()
        if provider == Provider.BUILTIN:
            return ""
        if self.cleaned_data.get("use_sandbox"):
            return sandbox_url(provider)
        return str(self.cleaned_data.get("base_url") or "").strip()

    def credentials(self) -> dict[str, str]:
        """What was typed for the chosen provider's credentials (blank ones left out: they keep the stored value)."""
        provider = self.chosen_provider()
        typed = {}
        for spec in CREDENTIAL_FIELDS.get(provider, ()):
            value = str(self.cleaned_data.get(credential_field_name(provider, spec.name)) or "")
            if value:
                typed[spec.name] = value
        return typed

    def location_ids(self) -> list[int]:
        """The ticked locations."""
        return [location.pk for location in self.cleaned_data.get("locations") or []]

    def error_field(self, field: str | None) -> str | None:
        """The form field a service's refusal points at (credentials are named per provider)."""
        if field and field in self.fields:
            return field
        prefixed = credential_field_name(self.chosen_provider(), field or "")
        return prefixed if prefixed in self.fields else None


def _size_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=f"{label} (cm)",
        decimal_places=1,
        max_digits=6,
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0.1", "inputmode": "decimal"}),
        error_messages={
            "required": f"Enter the inside {label.lower()} in cm.",
            "invalid": f"{label} must be a number of cm, e.g. 30.5.",
            "max_decimal_places": f"{label} is measured to the millimetre: at most one decimal (cm).",
            "max_digits": f"{label} is too large: at most 99999.9 cm.",
            "max_whole_digits": f"{label} is too large: at most 99999.9 cm.",
        },
    )


def _grams_field(label: str, help_text: str, initial: int | None = None) -> forms.IntegerField:
    return forms.IntegerField(
        label=f"{label} (g)",
        initial=initial,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "1", "min": "0", "inputmode": "numeric"}),
        error_messages={
            "required": f"Enter the {label.lower()} in grams.",
            "invalid": f"{label} must be a whole number of grams.",
        },
    )


class BoxTypeForm(forms.Form):
    """A box of the catalog. Ranges are checked by `box_spec_check`, which says what to fix in units."""

    name = forms.CharField(label="Name", max_length=80, error_messages={"required": "Enter a name."})
    length_cm = _size_field("Length")
    width_cm = _size_field("Width")
    height_cm = _size_field("Height")
    tare_grams = _grams_field("Tare", "What the empty box weighs.", initial=0)
    max_weight_grams = _grams_field("Max weight", "The most the filled box may weigh.", initial=30_000)
    location = forms.ModelChoiceField(
        label="Location",
        queryset=Location.objects.none(),
        required=False,
        empty_label="All locations",
        help_text="Which location packs into it.",
    )

    def __init__(self, *args: Any, locations: Iterable[Location] | QuerySet[Location], **kwargs: Any) -> None:
        """`locations`: where a box may be kept (every location that ships)."""
        super().__init__(*args, **kwargs)
        location_field = self.fields["location"]
        assert isinstance(location_field, forms.ModelChoiceField)
        location_field.queryset = locations  # type: ignore[assignment]

    @staticmethod
    def initial_for(box: BoxType) -> dict[str, Any]:
        """The form's values for an existing box."""
        return {
            "name": box.name,
            "length_cm": box.length_cm,
            "width_cm": box.width_cm,
            "height_cm": box.height_cm,
            "tare_grams": box.tare_grams,
            "max_weight_grams": box.max_weight_grams,
            "location": box.location_id,
        }

    def spec(self) -> BoxSpec:
        """The checked input as the service takes it."""
        data = self.cleaned_data
        return BoxSpec(
            name=data["name"],
            length_cm=Decimal(data["length_cm"]),
            width_cm=Decimal(data["width_cm"]),
            height_cm=Decimal(data["height_cm"]),
            tare_grams=int(data["tare_grams"]),
            max_weight_grams=int(data["max_weight_grams"]),
            location=data.get("location"),
        )
