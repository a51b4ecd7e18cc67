"""The audit trail's search form."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any, cast

from django import forms

from audit.selectors import AuditFilters, audit_models


class AuditSearchForm(forms.Form):
    """Model, object, who, words and a date range; every field optional."""

    model = forms.ChoiceField(required=False)
    object = forms.CharField(required=False, max_length=20, label="Object id")
    user = forms.CharField(required=False, max_length=150, label="Changed by")
    q = forms.CharField(required=False, max_length=100, label="Text")
    since = forms.DateField(required=False, label="From")
    until = forms.DateField(required=False, label="To")
    before = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["model"]).choices = [("", "Any record"), *audit_models()]

    def clean_object(self) -> str:
        value = self.cleaned_data["object"].strip()
        if value and not value.isdigit():
            raise forms.ValidationError("An object id is a number, as in the object's history link.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        if data.get("object") and not data.get("model"):
            self.add_error("model", "Choose the kind of record the object id belongs to.")
        return data

    def filters(self) -> AuditFilters:
        """The valid part of the search (the whole of it when the form is valid)."""
        data = self.cleaned_data if self.is_valid() else {}
        return AuditFilters(
            model=data.get("model") or "",
            object_id=data.get("object") or "",
            user=(data.get("user") or "").strip(),
            text=(data.get("q") or "").strip(),
            since=_day_start(data.get("since")),
            until=_day_start(data["until"] + timedelta(days=1)) if data.get("until") else None,
            before=data.get("before"),
        )


def _day_start(day: Any) -> datetime | None:
    """Midnight UTC of a date, so "to 2 Dec" includes all of the 2nd."""
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=UTC)
