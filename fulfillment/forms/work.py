"""The small action forms of the store associate's screens: turning down a request, the pickup counter."""

from __future__ import annotations

from django import forms

from fulfillment.models import RejectReason


class RejectRequestForm(forms.Form):
    """Why the store cannot ship a request."""

    reason = forms.ChoiceField(label="Why?", choices=RejectReason.choices)
    note = forms.CharField(label="Note (optional)", required=False, max_length=150)


class HandoverForm(forms.Form):
    """The counter: photo ID checked, lines the customer refuses, the code shown (if any)."""

    id_checked = forms.BooleanField(label="I checked the customer's photo ID", required=False)
    code = forms.CharField(label="Pickup code", required=False, max_length=40)
