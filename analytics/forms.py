"""The KPI dashboard's filters (GET): a period or a from/to range, a channel, a location."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms

from analytics.selectors import PERIODS, KpiFilters
from channels.models import Channel
from inventory.models import Location

DEFAULT_DAYS = 30
MAX_DAYS = 731  # two years: the charts and the CSV stay readable


class KpiFilterForm(forms.Form):
    """Unknown channel or location codes are ignored; a bad range says what to fix."""

    days = forms.TypedChoiceField(required=False, coerce=int, choices=[(str(d), label) for d, label in PERIODS])
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(required=False)
    location = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, channels: list[Channel], locations: list[Location], today: date, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.today = today
        self.channels = {channel.code: channel for channel in channels}
        self.locations = {location.code: location for location in locations}
        channel_field: Any = self.fields["channel"]
        location_field: Any = self.fields["location"]
        channel_field.choices = [("", "All channels"), *((c.code, c.name) for c in channels)]
        location_field.choices = [
            ("", "Every location"),
            *((loc.code, f"{loc.name} ({loc.code})") for loc in locations),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("“From” is after “To”: swap the two dates.")
        if start and (end or self.today) - start > timedelta(days=MAX_DAYS):
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days; narrow the range.")
        return data

    def period(self) -> str:
        """The period option to show selected: the one asked, the default when no dates were, else custom."""
        if self.is_bound and self.is_valid():
            if self.cleaned_data.get("days"):
                return str(self.cleaned_data["days"])
            if self.cleaned_data.get("start") or self.cleaned_data.get("end"):
                return ""
        return str(DEFAULT_DAYS)

    def filters(self) -> KpiFilters:
        """The range and narrowing to show; the last `DEFAULT_DAYS` days when nothing valid was asked."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("days"):  # a period counts back from today, whatever the dates say
            start, end = self.today - timedelta(days=data["days"] - 1), self.today
        else:
            end = data.get("end") or self.today
            start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        return KpiFilters(
            start=start,
            end=end,
            channel=self.channels.get(data.get("channel") or ""),
            location=self.locations.get(data.get("location") or ""),
        )
