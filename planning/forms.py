"""Forms of the planning pages: the service level and review period of each class of location."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from planning.models import StockingClass
from planning.services.policies import ClassPolicy


class StockingPoliciesForm(forms.Form):
    """One service level (percent) and review period (days) per stocking class, named `<class>-level|review`."""

    def __init__(self, *args: Any, policies: dict[str, ClassPolicy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[tuple[str, str, str]] = []
        for value, label in StockingClass.choices:
            policy = policies[value]
            self.fields[f"{value}-level"] = forms.DecimalField(
                label=f"{label}: service level (%)",
                min_value=Decimal("50"),
                max_value=Decimal("99.9"),
                decimal_places=1,
                initial=round(Decimal(str(policy.service_level)) * 100, 1),
                error_messages={
                    # Django fills these with %-formatting (the limit as a parameter): a percent sign is doubled.
                    "min_value": f"{label}: enter a service level of at least 50%%.",
                    "max_value": f"{label}: enter a service level of at most 99.9%% (100%% would need endless stock).",
                    "invalid": f"{label}: enter the service level as a number, e.g. 95.",
                    "required": f"{label}: enter a service level, e.g. 95.",
                    "max_decimal_places": f"{label}: use at most one decimal, e.g. 97.5.",
                },
            )
            self.fields[f"{value}-review"] = forms.IntegerField(
                label=f"{label}: review every (days)",
                min_value=1,
                max_value=90,
                initial=policy.review_days,
                error_messages={
                    "min_value": f"{label}: review at least once a day (1).",
                    "max_value": f"{label}: review at least every 90 days.",
                    "invalid": f"{label}: enter the review period in whole days, e.g. 7.",
                    "required": f"{label}: enter the review period in days, e.g. 7.",
                },
            )
            self.rows.append((str(label), f"{value}-level", f"{value}-review"))

    def policies(self) -> dict[str, tuple[float, int]]:
        """The cleaned values: class -> (service level as a fraction, review days)."""
        return {
            value: (float(self.cleaned_data[f"{value}-level"]) / 100, int(self.cleaned_data[f"{value}-review"]))
            for value in StockingClass.values
        }

    def bound_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """(label, level field, review field) per class, for the template's table."""
        return [(label, self[level], self[review]) for label, level, review in self.rows]
