"""Writing QC rules and the defect policy, each checked before anything is saved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from core.errors import ValidationFailed
from inventory.models import SKU, Location
from quality.models import QcRule, QualityPolicy, SampleMode

MAX_QUESTIONS = 20
MAX_QUESTION_LENGTH = 200
MAX_SAMPLE_UNITS = 500
MAX_WINDOW_DAYS = 365


@dataclass(frozen=True)
class RuleInput:
    """A rule as staff describe it (the partner page fills `locations` with the partner's locations)."""

    name: str
    checklist: Sequence[str]
    sku: SKU | None = None
    locations: Sequence[Location] = field(default_factory=tuple)
    min_unit_price: Decimal | None = None
    on_inbound: bool = True
    before_ship: bool = False
    sample_mode: str = SampleMode.EVERY_UNIT
    sample_size: int = 1
    photograph_units: bool = False
    is_active: bool = True


def _checked(data: RuleInput) -> list[str]:
    """Refuse a rule that could never be followed; the cleaned checklist."""
    if not data.name.strip():
        raise ValidationFailed("Give the rule a name.", field="name")
    if not (data.on_inbound or data.before_ship):
        raise ValidationFailed("Inspect inbound, before shipping, or both.", field="on_inbound")
    if data.sample_mode not in SampleMode.values:
        raise ValidationFailed("Choose how many units to inspect.", field="sample_mode")
    if data.sample_mode == SampleMode.UNITS and not 1 <= data.sample_size <= MAX_SAMPLE_UNITS:
        raise ValidationFailed(f"Inspect 1 to {MAX_SAMPLE_UNITS} units.", field="sample_size")
    if data.sample_mode == SampleMode.PERCENT and not 1 <= data.sample_size <= 100:
        raise ValidationFailed("Inspect 1 to 100 percent of the units.", field="sample_size")
    if data.min_unit_price is not None and data.min_unit_price < 0:
        raise ValidationFailed("A price cannot be negative.", field="min_unit_price")
    questions = [q.strip() for q in data.checklist if q.strip()]
    if not questions:
        raise ValidationFailed("Write at least one question for the inspector.", field="checklist")
    if len(questions) > MAX_QUESTIONS:
        raise ValidationFailed(f"At most {MAX_QUESTIONS} questions.", field="checklist")
    long = next((q for q in questions if len(q) > MAX_QUESTION_LENGTH), None)
    if long:
        raise ValidationFailed(f"Keep each question under {MAX_QUESTION_LENGTH} characters.", field="checklist")
    return questions


def qc_rule_save(*, data: RuleInput, rule: QcRule | None = None) -> QcRule:
    """Create a rule, or change `rule`; inspections already open keep the checklist they started with."""
    questions = _checked(data)
    with transaction.atomic():
        saved = rule or QcRule()
        saved.name = data.name.strip()[:120]
        saved.sku = data.sku
        saved.min_unit_price = data.min_unit_price
        saved.on_inbound = data.on_inbound
        saved.before_ship = data.before_ship
        saved.sample_mode = data.sample_mode
        saved.sample_size = data.sample_size if data.sample_mode != SampleMode.EVERY_UNIT else 1
        saved.checklist = questions
        saved.photograph_units = data.photograph_units
        saved.is_active = data.is_active
        saved.save()
        saved.locations.set(data.locations)
    return saved


def quality_policy_get() -> QualityPolicy:
    """The defect policy (created empty, with exclusion off, the first time it is asked for)."""
    policy, _created = QualityPolicy.objects.get_or_create(pk=1)
    return policy


def quality_policy_set(*, exclude_above_percent: Decimal | None, window_days: int, minimum_units: int) -> QualityPolicy:
    """Set when partner locations are excluded from routing for their defect rate (None: never)."""
    if exclude_above_percent is not None and not Decimal("0") <= exclude_above_percent < Decimal("100"):
        raise ValidationFailed(
            "Enter a rate from 0 to 99.99 percent, or leave it empty.", field="exclude_above_percent"
        )
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ValidationFailed(f"Look back 1 to {MAX_WINDOW_DAYS} days.", field="window_days")
    if minimum_units < 1:
        raise ValidationFailed("At least 1 inspected unit.", field="minimum_units")
    with transaction.atomic():
        policy = QualityPolicy.objects.select_for_update().filter(pk=1).first() or QualityPolicy(pk=1)
        policy.exclude_above_percent = exclude_above_percent
        policy.window_days = window_days
        policy.minimum_units = minimum_units
        policy.save()
    return policy
