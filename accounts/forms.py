"""Forms of the accounts pages: invite, a person's access, the sign-in rules, a one-time code."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.roles import ROLE_CHOICES, SCOPED_ROLES
from accounts.selectors import STATUSES, location_choices
from accounts.services import Access
from core.roles import SUPPLIER
from inventory.models import Location
from partners.models import Partner


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    role = forms.ChoiceField(
        label="Role", required=False, choices=[("", "Any role"), *[(n, n) for n, _ in ROLE_CHOICES]]
    )
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Anyone"), *STATUSES.items()])


class LocationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Location) -> str:
        closed = "" if obj.is_active else " (inactive)"
        return f"{obj.code} · {obj.name} ({obj.get_kind_display()}){closed}"


class AccessForm(forms.Form):
    """A role, and what it needs: locations for a warehouse operator or store associate, a partner for a supplier."""

    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, widget=forms.RadioSelect)
    locations = LocationChoiceField(
        label="Locations",
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Warehouse operators: every site they work at. Store associates: their one store. "
        "Other roles see every location.",
    )
    partner = forms.ModelChoiceField(
        label="Partner",
        queryset=Partner.objects.none(),
        required=False,
        empty_label="Choose the supplier…",
        help_text="Supplier users only: the partner whose purchase orders they answer in the portal.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locations"].queryset = location_choices()  # type: ignore[attr-defined]
        self.fields["partner"].queryset = Partner.objects.order_by("name")  # type: ignore[attr-defined]

    def access(self) -> Access:
        data = self.cleaned_data
        role = data["role"]
        return Access(
            role=role,
            locations=list(data["locations"]) if role in SCOPED_ROLES else [],
            partner=data["partner"] if role == SUPPLIER else None,
        )


class InviteForm(AccessForm):
    email = forms.EmailField(label="Email", help_text="They sign in with it; the invitation goes there.")
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)

    field_order = ["email", "first_name", "last_name", "role", "locations", "partner"]


class RoleRulesForm(forms.Form):
    required_roles = forms.MultipleChoiceField(
        label="Require two-factor sign-in for",
        choices=[(name, name) for name, _ in ROLE_CHOICES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class CodeForm(forms.Form):
    """The six digits an authenticator app shows (focused only where typing them is the page's one task)."""

    token = forms.CharField(
        label="Code from your app",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}),
    )

    def __init__(self, *args: Any, focus: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if focus:
            self.fields["token"].widget.attrs["autofocus"] = True
