"""Reads for products, variants and bins: the SKU picker's matches, a SKU's siblings, bin paths.

Stock figures count only the locations the user may see (`visible_location_ids`), so the
picker never tells a store associate what another store holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from core.types import AnyUser as User
from inventory.models import SKU, BinLocation, Location, Product, StockLevel, Variant
from inventory.selectors import visible_location_ids

PICKER_LIMIT = 8


def _on_hand(sku_ref: str, *, location_ids: set[int] | None) -> Coalesce:
    """A subquery: the units on hand of the outer SKU over the given locations (None: all)."""
    levels = StockLevel.objects.filter(sku_id=OuterRef(sku_ref))
    if location_ids is not None:
        levels = levels.filter(location_id__in=location_ids)
    total = levels.order_by().values("sku_id").annotate(total=Sum("on_hand")).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def sku_picker_matches(
    *, user: User, query: str, location: Location | None = None, limit: int = PICKER_LIMIT
) -> list[SKU]:
    """Active SKUs matching a code, name, barcode or product name, best first, in one query.

    Each carries `on_hand_total` (over the user's locations) and, given a location the caller
    has checked the user may see, `on_hand_here`. An exact code or barcode comes first, then
    codes starting with the text, then the rest by code.
    """
    text = query.strip()
    if not text:
        return []
    ids = visible_location_ids(user)
    matches = Q(code__icontains=text) | Q(name__icontains=text) | Q(variant__product__name__icontains=text)
    if text.isdigit():
        matches |= Q(barcode__startswith=text)
    qs = (
        SKU.objects.filter(matches, is_active=True)
        .select_related("variant__product")
        .annotate(
            on_hand_total=_on_hand("pk", location_ids=ids),
            rank=Case(
                When(Q(code__iexact=text) | Q(barcode=text), then=Value(0)),
                When(code__istartswith=text, then=Value(1)),
                default=Value(2),
            ),
        )
    )
    if location is not None:
        qs = qs.annotate(on_hand_here=_on_hand("pk", location_ids={location.pk}))
    return list(qs.order_by("rank", "code")[:limit])


@dataclass
class ProductFamily:
    """A SKU's product and every variant of it, each with its units on hand."""

    product_name: str
    option_names: list[str]
    variants: list[SKU] = field(default_factory=list)


def product_family(*, user: User, sku: SKU) -> ProductFamily | None:
    """The product the SKU belongs to and its variants (the SKU included), or None if standalone."""
    try:
        variant = sku.variant  # loaded with the SKU by `sku_get`, so no query here
    except Variant.DoesNotExist:
        return None
    product = variant.product
    siblings = (
        SKU.objects.filter(variant__product=product)
        .select_related("variant")
        .annotate(on_hand_total=_on_hand("pk", location_ids=visible_location_ids(user)))
        .order_by("code")
    )
    names = [name for name in (product.option1_name, product.option2_name) if name]
    return ProductFamily(product_name=product.name, option_names=names, variants=list(siblings))


def variant_initial(*, sku: SKU) -> dict[str, str]:
    """The SKU form's product and option values for a SKU (empty for a standalone SKU)."""
    variant = Variant.objects.filter(sku=sku).select_related("product").first()
    if variant is None:
        return {"product": "", "option1": "", "option2": ""}
    return {"product": variant.product.name, "option1": variant.option1, "option2": variant.option2}


def product_names(limit: int = 500) -> list[str]:
    """Product names to suggest in the SKU form, alphabetically."""
    return list(Product.objects.order_by("name").values_list("name", flat=True)[:limit])


def skus_grouped_by_product(qs: QuerySet[SKU]) -> QuerySet[SKU]:
    """The same SKUs with their product loaded, variants of one product next to each other.

    A standalone SKU sorts by its own code among the product names, so it keeps its place.
    """
    return (
        qs.select_related("variant__product")
        .annotate(group_name=Coalesce("variant__product__name", "code"))
        .order_by("group_name", "code")
    )


def bin_path_subquery(*, sku_ref: str, location_id: int | None = None) -> Subquery:
    """A subquery giving the bin path of the outer row's SKU (NULL if none).

    At one location when `location_id` is given, else at the outer row's own `location_id`.
    """
    paths = BinLocation.objects.filter(sku_id=OuterRef(sku_ref))
    if location_id is not None:
        paths = paths.filter(location_id=location_id)
    else:
        paths = paths.filter(location_id=OuterRef("location_id"))
    return Subquery(paths.values("path")[:1])
