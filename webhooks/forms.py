"""Forms of the webhooks pages (they parse; the services validate the URL and the event types)."""

from __future__ import annotations

from typing import Any

from django import forms

from webhooks.models import PING, DeliveryState, EventType, Subscription


class SubscriptionForm(forms.Form):
    """An endpoint's settings."""

    name = forms.CharField(max_length=120, help_text="What it is, for you: e.g. ERP production.")
    url = forms.CharField(
        label="Endpoint URL",
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://erp.example.com/hooks/fulfil", "spellcheck": "false"}),
        help_text="Must be https://. Deliveries are POSTed here as JSON.",
    )
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,  # the service says "choose at least one" next to the field
    )
    is_active = forms.BooleanField(
        label="Enabled",
        required=False,
        initial=True,
        help_text="A disabled endpoint gets no new events; its waiting deliveries go out when enabled again.",
    )

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["is_active"]  # a new endpoint starts enabled


class DeliveryFilterForm(forms.Form):
    """The delivery log's filters, all optional; anything unknown is ignored rather than an error page."""

    endpoint = forms.ModelChoiceField(queryset=Subscription.objects.order_by("name"), required=False, empty_label="All")
    type = forms.ChoiceField(
        choices=[("", "All"), *EventType.choices, (PING, "Test ping")], required=False, label="Event"
    )
    state = forms.ChoiceField(choices=[("", "All"), *DeliveryState.choices], required=False)
    event = forms.CharField(required=False, max_length=40, label="Event id", strip=True)
