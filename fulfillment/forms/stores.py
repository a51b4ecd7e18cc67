"""The store settings form: hours, closures, pickup and ship-from-store settings.

The form parses and checks; `fulfillment.services.stores.store_settings_update` writes.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from fulfillment.models import OpeningHours, StoreClosure, StoreProfile
from fulfillment.services.stores import MAX_CLOSURES, MAX_HOLD_DAYS, StoreSettings
from fulfillment.store_hours import WEEKDAY_NAMES, local
from inventory.models import Location

_TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


class StoreSettingsForm(forms.Form):
    """Opening hours per weekday, closure days, pick lead time, cut-off, hold, reminders, capacities, SLA."""

    pickup_lead_minutes = forms.IntegerField(
        label="Pick lead time (minutes)", min_value=0, max_value=1440, help_text="From order to set aside."
    )
    pickup_cutoff_time = forms.TimeField(
        label="Pickup cut-off", required=False, widget=_TIME, help_text="Later orders are ready the next opening day."
    )
    hold_days = forms.IntegerField(label="Hold period (days)", min_value=1, max_value=MAX_HOLD_DAYS)
    reminder_hours = forms.IntegerField(
        label="Remind customer (hours before hold ends)", min_value=0, max_value=MAX_HOLD_DAYS * 24
    )
    daily_pickup_capacity = forms.IntegerField(
        label="Pickups per day", min_value=0, required=False, help_text="Empty: no limit."
    )
    ship_capacity = forms.IntegerField(
        label="Ship-from-store orders per day", min_value=0, required=False, help_text="Routing's cap. Empty: no limit."
    )
    accept_sla_minutes = forms.IntegerField(
        label="Accept requests within (minutes)", min_value=1, max_value=1440, help_text="Counted in opening hours."
    )
    closures = forms.CharField(
        label="Closed days",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2026-12-25 Christmas Day"}),
        help_text="One per line: a date (YYYY-MM-DD) and an optional reason.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, name in enumerate(WEEKDAY_NAMES):
            self.fields[f"opens_{day}"] = forms.TimeField(label=f"{name} opens", required=False, widget=_TIME)
            self.fields[f"closes_{day}"] = forms.TimeField(label=f"{name} closes", required=False, widget=_TIME)

    @staticmethod
    def initial_for(location: Location, profile: StoreProfile, *, now: datetime | None = None) -> dict[str, Any]:
        """The form's initial values from what is saved (three queries); closures from the store's local today on."""
        initial: dict[str, Any] = {
            "pickup_lead_minutes": profile.pickup_lead_minutes,
            "pickup_cutoff_time": profile.pickup_cutoff_time,
            "hold_days": profile.hold_days,
            "reminder_hours": profile.reminder_hours,
            "daily_pickup_capacity": profile.daily_pickup_capacity,
            "ship_capacity": location.daily_order_capacity,
            "accept_sla_minutes": profile.accept_sla_minutes,
        }
        for row in OpeningHours.objects.filter(location=location):
            initial[f"opens_{row.weekday}"] = row.opens
            initial[f"closes_{row.weekday}"] = row.closes
        today = local(now or timezone.now(), location.timezone).date()
        closures = StoreClosure.objects.filter(location=location, date__gte=today).order_by("date")
        initial["closures"] = "\n".join(f"{c.date:%Y-%m-%d} {c.reason}".strip() for c in closures)
        return initial

    def weekday_rows(self) -> list[tuple[str, Any, Any]]:
        """(weekday name, opens field, closes field) for the template."""
        return [(name, self[f"opens_{day}"], self[f"closes_{day}"]) for day, name in enumerate(WEEKDAY_NAMES)]

    def clean_closures(self) -> list[tuple[date, str]]:
        rows: list[tuple[date, str]] = []
        for number, raw in enumerate((self.cleaned_data.get("closures") or "").splitlines(), start=1):
            text = raw.strip()
            if not text:
                continue
            day_text, _, reason = text.partition(" ")
            try:
                day = datetime.strptime(day_text, "%Y-%m-%d").date()
            except ValueError:
                raise forms.ValidationError(f"Line {number}: {day_text!r} is not a date like 2026-12-25.") from None
            rows.append((day, reason.strip()[:120]))
        if len(rows) > MAX_CLOSURES:
            raise forms.ValidationError(f"At most {MAX_CLOSURES} closed days.")
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day, name in enumerate(WEEKDAY_NAMES):
            opens, closes = data.get(f"opens_{day}"), data.get(f"closes_{day}")
            if (opens is None) != (closes is None):
                self.add_error(f"closes_{day}" if opens else f"opens_{day}", f"Give both times for {name}, or neither.")
            elif opens is not None and closes is not None and closes <= opens:
                self.add_error(f"closes_{day}", f"{name}: closing time must be after opening time.")
        return data

    def settings(self) -> StoreSettings:
        """The cleaned values as the service takes them."""
        data = self.cleaned_data
        hours: dict[int, tuple[time, time] | None] = {}
        for day in range(7):
            opens, closes = data.get(f"opens_{day}"), data.get(f"closes_{day}")
            hours[day] = (opens, closes) if opens is not None and closes is not None else None
        return StoreSettings(
            pickup_lead_minutes=data["pickup_lead_minutes"],
            pickup_cutoff_time=data.get("pickup_cutoff_time"),
            hold_days=data["hold_days"],
            reminder_hours=data["reminder_hours"],
            daily_pickup_capacity=data.get("daily_pickup_capacity"),
            accept_sla_minutes=data["accept_sla_minutes"],
            ship_capacity=data.get("ship_capacity"),
            hours=hours,
            closures=data.get("closures") or [],
        )
