"""Products and their variants, and bin locations: the writes.

A SKU becomes a variant by naming its product; the product is created on first use, so the
SKU form and a CSV import need no separate "create the product first" step.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import ValidationFailed
from inventory.models import SKU, BinLocation, Location, Product, Variant
from inventory.models.catalog import BIN_PATH_VALIDATOR
from inventory.services.catalog import sku_create, sku_update

_NATURAL_PARTS = re.compile(r"(\d+)")


def bin_sort_key(path: str | None) -> tuple[int, tuple[tuple[int, int | str], ...]]:
    """A key that sorts bin paths the way a picker walks them: A-2 before A-10, no bin last.

    Digits compare as numbers and letters case-blind, so "a-03-2" and "A-3-2" sit together.
    """
    if not path:
        return (1, ())
    parts = _NATURAL_PARTS.split(path.upper())
    return (0, tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts if part))


def product_for_name(name: str) -> Product:
    """The product with this name, created (with the default Size / Colour options) if new."""
    clean = " ".join(name.split())
    if len(clean) > Product._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ValidationFailed("A product name has at most 200 characters.", field="product")
    product, _created = Product.objects.get_or_create(name=clean)
    return product


def sku_set_variant(*, sku: SKU, product_name: str, option1: str = "", option2: str = "") -> Variant | None:
    """Make the SKU a variant of the named product with these option values, or standalone.

    An empty product name takes the SKU out of any product (it shows as its own row again).
    Two variants of one product may not share the same option values.
    """
    product_name = product_name.strip()
    option1, option2 = option1.strip(), option2.strip()
    with transaction.atomic():
        if not product_name:
            if option1 or option2:
                raise ValidationFailed("Name the product these options belong to, or clear them.", field="product")
            Variant.objects.filter(sku=sku).delete()
            return None
        product = product_for_name(product_name)
        clash = (
            Variant.objects.filter(product=product, option1=option1, option2=option2)
            .exclude(sku=sku)
            .select_related("sku")
            .first()
        )
        if clash is not None and (option1 or option2):
            values = " / ".join(v for v in (option1, option2) if v)
            raise ValidationFailed(
                f"{clash.sku.code} is already {product.name} in {values}; give this SKU other option values.",
                field="option1",
            )
        try:
            with transaction.atomic():
                variant, _ = Variant.objects.update_or_create(
                    sku=sku, defaults={"product": product, "option1": option1, "option2": option2}
                )
        except IntegrityError as exc:  # a concurrent save took the same options first
            raise ValidationFailed(
                "Another SKU of this product has just taken these options.", field="option1"
            ) from exc
    return variant


def sku_save_with_variant(
    *, sku: SKU | None, product_name: str = "", option1: str = "", option2: str = "", **data: Any
) -> SKU:
    """Create or update a SKU and its product grouping together: both are saved or neither is."""
    with transaction.atomic():
        saved = sku_update(sku=sku, **data) if sku else sku_create(**data)
        sku_set_variant(sku=saved, product_name=product_name, option1=option1, option2=option2)
    return saved


def clean_bin_path(path: str) -> str:
    """A bin path as stored: trimmed and in capitals, refused with a hint if malformed."""
    value = path.strip().upper()
    if len(value) > BinLocation._meta.get_field("path").max_length:  # type: ignore[operator]
        raise ValidationFailed("A bin path has at most 40 characters.", field="path")
    try:
        BIN_PATH_VALIDATOR(value)
    except ValidationError as exc:
        raise ValidationFailed(str(exc.messages[0]), field="path") from exc
    return value


def bin_set(*, location: Location, sku: SKU, path: str) -> BinLocation | None:
    """Set where the SKU sits in the location (e.g. A-03-2-B); an empty path removes the bin."""
    if not path.strip():
        BinLocation.objects.filter(location=location, sku=sku).delete()
        return None
    value = clean_bin_path(path)
    with transaction.atomic():
        bin_location, _ = BinLocation.objects.update_or_create(location=location, sku=sku, defaults={"path": value})
    return bin_location


def bins_apply(rows: list[tuple[int, int, str]]) -> int:
    """Write many bins at once, as (location_id, sku_id, path) with clean paths; returns how many changed.

    Used by the stock CSV import inside its transaction: an empty path removes the bin.
    """
    keep = [(loc, sku, path) for loc, sku, path in rows if path]
    drop = [(loc, sku) for loc, sku, path in rows if not path]
    existing = {
        (b.location_id, b.sku_id): b
        for b in BinLocation.objects.filter(
            location_id__in={r[0] for r in rows}, sku_id__in={r[1] for r in rows}
        ).order_by("pk")
    }
    changed = [
        BinLocation(location_id=loc, sku_id=sku, path=path)
        for loc, sku, path in keep
        if (loc, sku) not in existing or existing[(loc, sku)].path != path
    ]
    BinLocation.objects.bulk_create(
        changed, update_conflicts=True, unique_fields=["location", "sku"], update_fields=["path", "updated_at"]
    )
    gone = [existing[key].pk for key in drop if key in existing]
    BinLocation.objects.filter(pk__in=gone).delete()
    return len(changed) + len(gone)
