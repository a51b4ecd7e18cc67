"""Staff forms for the return policies: a channel's policy and the return reasons customers choose."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms

from returns.models import OutOfWindow
from returns.services import PolicyInput, ReasonInput


class PolicyForm(forms.Form):
    """A channel's return policy (or the default one)."""

    window_days = forms.IntegerField(label="Return window (days from delivery)", min_value=0, max_value=3650)
    late_action = forms.ChoiceField(label="After the window", choices=OutOfWindow.choices)
    grace_days = forms.IntegerField(
        label="Grace days",
        min_value=0,
        max_value=365,
        help_text="Late requests within these days are held for approval.",
    )
    restocking_fee_percent = forms.DecimalField(
        label="Restocking fee (%)", min_value=Decimal("0"), max_value=Decimal("100"), decimal_places=2, max_digits=5
    )
    fee_on_opened = forms.BooleanField(label="Also charge the fee on units inspected as opened", required=False)
    return_label_fee = forms.DecimalField(
        label="Return label fee",
        min_value=Decimal("0"),
        max_digits=8,
        decimal_places=2,
        required=False,
        help_text="Kept when the reason has the customer pay the label, and shown before they ask. "
        "Empty: the label's actual price.",
    )
    refund_tax = forms.BooleanField(label="Refund tax in proportion to the items", required=False)
    instant_exchange_min_orders = forms.IntegerField(
        label="Ship exchanges at once after this many delivered orders",
        min_value=1,
        max_value=1000,
        required=False,
        help_text="Empty: exchanges ship when the return is received.",
    )
    non_returnable_skus = forms.CharField(
        label="Non-returnable SKUs",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="SKU codes, separated by commas or new lines.",
    )

    @classmethod
    def for_policy(cls, policy: Any) -> PolicyForm:
        return cls(
            initial={
                "window_days": policy.window_days,
                "late_action": policy.late_action,
                "grace_days": policy.grace_days,
                "restocking_fee_percent": policy.restocking_fee_percent,
                "fee_on_opened": policy.fee_on_opened,
                "return_label_fee": policy.return_label_fee,
                "refund_tax": policy.refund_tax,
                "instant_exchange_min_orders": policy.instant_exchange_min_orders,
                "non_returnable_skus": ", ".join(sku.code for sku in policy.non_returnable_skus.all()),
            }
        )

    def policy_input(self) -> PolicyInput:
        data = self.cleaned_data
        codes = tuple(code.strip() for code in re.split(r"[,\s]+", data["non_returnable_skus"] or "") if code.strip())
        return PolicyInput(
            window_days=data["window_days"],
            late_action=data["late_action"],
            grace_days=data["grace_days"],
            restocking_fee_percent=data["restocking_fee_percent"],
            fee_on_opened=data["fee_on_opened"],
            refund_tax=data["refund_tax"],
            instant_exchange_min_orders=data["instant_exchange_min_orders"],
            non_returnable_skus=codes,
            return_label_fee=data["return_label_fee"],
        )


class ReasonForm(forms.Form):
    """Add a reason to a policy, or change one (by its code)."""

    code = forms.SlugField(label="Code", max_length=32, help_text="Letters, digits, - or _; fixed once created.")
    label = forms.CharField(label="Wording the customer sees", max_length=80)
    customer_pays_shipping = forms.BooleanField(label="Customer pays the return label", required=False)
    restocking_fee = forms.BooleanField(label="Carries the restocking fee", required=False)
    needs_approval = forms.BooleanField(label="Needs staff approval", required=False)
    is_active = forms.BooleanField(label="Offered", required=False, initial=True)

    def reason_input(self) -> ReasonInput:
        data = self.cleaned_data
        return ReasonInput(
            code=data["code"],
            label=data["label"],
            customer_pays_shipping=data["customer_pays_shipping"],
            restocking_fee=data["restocking_fee"],
            needs_approval=data["needs_approval"],
            is_active=data["is_active"],
        )
