"""What every rates service shares: the limits, saving a checked row, forgetting the cached cost model.

Every write drops the routing engine's cached cost model once the transaction commits, so
the next order is routed with the new figures (and a rolled-back edit changes nothing).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction

from core.errors import ValidationFailed
from fulfillment.routing.types import SERVICE_LEVELS
from fulfillment.selectors.cost_model import cost_model_forget

ZONES: tuple[int, ...] = tuple(range(1, 9))
GRAMS_PER_POUND = Decimal("453.59237")
#: The heaviest parcel a rate bracket may describe (150 lb, the usual parcel-carrier limit).
MAX_BRACKET_GRAMS = 68_039
MAX_PRICE = Decimal("9999.99")
MAX_TRANSIT_DAYS = 30
MAX_POLICY_PACKAGES = 20
MAX_RADIUS_MILES = 3000
COST_SETTINGS_FIELDS: tuple[str, ...] = (
    "handling_warehouse",
    "handling_store",
    "handling_3pl",
    "handling_dropship",
    "package_cost",
    "late_penalty_per_day",
    "backorder_penalty_per_unit",
)


def after_commit_forget() -> None:
    transaction.on_commit(cost_model_forget)


def validated_save(instance: models.Model) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise ValidationFailed(messages[0], field=None if name == "__all__" else name) from exc
    instance.save()


def check_level(level: str) -> None:
    if level not in SERVICE_LEVELS:
        raise ValidationFailed(f"Choose a service level: {', '.join(SERVICE_LEVELS)}.", field="level")


def check_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValidationFailed("Enter a name.", field="name")
    return cleaned
