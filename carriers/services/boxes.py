"""The box catalog: boxes a location packs into, with inner dimensions, tare and the most they hold.

A box is deactivated, never deleted: packages packed into it keep pointing at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from carriers.models import BoxType
from core.errors import ValidationFailed
from inventory.models import Location

#: The largest inner side a parcel carrier takes (UPS and FedEx: 274 cm of length).
MAX_SIDE_CM = Decimal("274.0")
#: The heaviest parcel a parcel carrier takes (70 kg, about 150 lb).
MAX_WEIGHT_GRAMS = 70_000
GRAMS_PER_POUND = 453.59237
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class BoxSpec:
    """What staff type for a box: inner size in cm, its own weight and the most it holds in grams."""

    name: str
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    tare_grams: int
    max_weight_grams: int
    location: Location | None = None


def _side(label: str, field: str, value: Decimal) -> Decimal:
    try:
        rounded = Decimal(value).quantize(_TENTH)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(f"{label} must be a number of cm, e.g. 30.5.", field=field) from None
    if rounded <= 0:
        raise ValidationFailed(f"{label} must be more than 0 cm.", field=field)
    if rounded > MAX_SIDE_CM:
        raise ValidationFailed(f"{label} must be at most {MAX_SIDE_CM} cm (the carriers' limit).", field=field)
    return rounded


def box_spec_check(spec: BoxSpec) -> BoxSpec:
    """The spec with sides rounded to a millimetre, or `ValidationFailed` saying what to fix, in units."""
    name = (spec.name or "").strip()
    if not name:
        raise ValidationFailed("Enter a name packers will recognise, e.g. Small mailer.", field="name")
    length = _side("Length", "length_cm", spec.length_cm)
    width = _side("Width", "width_cm", spec.width_cm)
    height = _side("Height", "height_cm", spec.height_cm)
    if spec.tare_grams < 0:
        raise ValidationFailed("Tare must be 0 g or more.", field="tare_grams")
    if spec.max_weight_grams <= 0:
        raise ValidationFailed("Max weight must be more than 0 g.", field="max_weight_grams")
    if spec.max_weight_grams > MAX_WEIGHT_GRAMS:
        raise ValidationFailed(
            f"Max weight must be at most {MAX_WEIGHT_GRAMS:,} g ({MAX_WEIGHT_GRAMS / GRAMS_PER_POUND:.0f} lb), "
            "the carriers' parcel limit.",
            field="max_weight_grams",
        )
    if spec.tare_grams >= spec.max_weight_grams:
        raise ValidationFailed(
            f"Max weight ({spec.max_weight_grams:,} g) must be more than the box's own weight "
            f"({spec.tare_grams:,} g), or nothing fits in it.",
            field="max_weight_grams",
        )
    return BoxSpec(
        name=name,
        length_cm=length,
        width_cm=width,
        height_cm=height,
        tare_grams=spec.tare_grams,
        max_weight_grams=spec.max_weight_grams,
        location=spec.location,
    )


def box_type_create(*, spec: BoxSpec) -> BoxType:
    """Add a box to the catalog (for one location, or every location when `spec.location` is None)."""
    checked = box_spec_check(spec)
    with transaction.atomic():
        return BoxType.objects.create(
            name=checked.name,
            length_cm=checked.length_cm,
            width_cm=checked.width_cm,
            height_cm=checked.height_cm,
            tare_grams=checked.tare_grams,
            max_weight_grams=checked.max_weight_grams,
            location=checked.location,
        )


def box_type_update(*, box: BoxType, spec: BoxSpec) -> BoxType:
    """Change a box's name, size, weights or location; packages already packed keep their own sizes."""
    checked = box_spec_check(spec)
    with transaction.atomic():
        locked = BoxType.objects.select_for_update().get(pk=box.pk)
        locked.name = checked.name
        locked.length_cm, locked.width_cm, locked.height_cm = checked.length_cm, checked.width_cm, checked.height_cm
        locked.tare_grams = checked.tare_grams
        locked.max_weight_grams = checked.max_weight_grams
        locked.location = checked.location
        locked.save()
    return locked


def box_type_set_active(*, box: BoxType, is_active: bool) -> BoxType:
    """Take a box off the pack screen (or put it back); its history stays."""
    with transaction.atomic():
        BoxType.objects.filter(pk=box.pk).update(is_active=is_active)
    box.is_active = is_active
    return box
