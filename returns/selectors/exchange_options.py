"""What a customer may exchange an item for: another size or colour of the same product, with its availability.

`exchange_siblings` is the one place that decides what "the same product" means: the
product's other variants (`inventory.models.Variant`), or, for a SKU not grouped under a
product, the SKUs named as variants of the same product ("Merino Crew Sweater — Navy, M" and
"Merino Crew Sweater — Navy, L"), the way the catalog names them. Availability is the
channel's own available-to-sell (`marketplaces.availability`): what the shop would sell the
customer right now.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Q

from channels.models import Channel
from inventory.models import SKU, Variant
from marketplaces.availability import channel_available, feeding_atp
from marketplaces.models import ChannelSync
from orders.models import OrderLine

#: Between a product's name and its variant in a SKU name: an em or en dash, or a spaced hyphen.
_VARIANT_SPLIT = re.compile("\\s+[\u2014\u2013-]\\s+")
#: Enough for any size run times colours; a picker longer than this is no help to a customer.
MAX_OPTIONS = 40


def product_name(sku_name: str) -> tuple[str, str]:
    """(product, variant) of a SKU name: "Tee — Navy, M" -> ("Tee", "Navy, M"); no variant part -> (name, "")."""
    parts = _VARIANT_SPLIT.split(sku_name.strip(), maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (sku_name.strip(), "")


@dataclass(frozen=True)
class ExchangeOption:
    """One SKU the customer may choose instead of the one they return."""

    code: str
    name: str
    variant: str
    price: Decimal
    available: int
    #: Dearer than the customer paid: the exchange waits for staff (the replacement ships at no charge).
    costs_more: bool

    @property
    def in_stock(self) -> bool:
        return self.available > 0

    @property
    def label(self) -> str:
        """What the picker shows: the variant, and whether it can be had."""
        stock = "in stock" if self.in_stock else "not available"
        return f"{self.variant or self.name} ({stock})"


def exchange_siblings(skus: Iterable[SKU]) -> dict[int, list[tuple[SKU, str]]]:
    """Per SKU, the other active SKUs of its product with their variant label ("L / Navy"), by code.

    A SKU that is a variant of a product (`inventory.models.Variant`) is offered the
    product's other variants. A SKU without a product falls back to the catalog's naming:
    other SKUs whose name has the same product part ("Black tee — L" for "Black tee — M").
    A SKU with neither has no siblings: the customer can only get a refund. Three queries
    at most.
    """
    wanted = {sku.pk: sku for sku in skus}
    if not wanted:
        return {}
    product_of = dict(Variant.objects.filter(sku_id__in=list(wanted)).values_list("sku_id", "product_id"))
    result: dict[int, list[tuple[SKU, str]]] = {}
    if product_of:
        by_product: dict[int, list[tuple[SKU, str]]] = {}
        variants = (
            Variant.objects.filter(product_id__in=set(product_of.values()), sku__is_active=True)
            .select_related("sku")
            .order_by("sku__code")
        )
        for variant in variants:
            by_product.setdefault(variant.product_id, []).append((variant.sku, variant.label or variant.sku.name))
        for sku_id, product_id in product_of.items():
            result[sku_id] = [pair for pair in by_product.get(product_id, []) if pair[0].pk != sku_id][:MAX_OPTIONS]
    named = {pk: sku for pk, sku in wanted.items() if pk not in product_of}
    result.update(_siblings_by_name(named.values()))
    return result


def _siblings_by_name(skus: Iterable[SKU]) -> dict[int, list[tuple[SKU, str]]]:
    """Siblings of SKUs that carry no product, by the product part of their names (one query)."""
    by_product: dict[str, list[int]] = {}
    for sku in skus:
        product, variant = product_name(sku.name)
        if variant:
            by_product.setdefault(product, []).append(sku.pk)
    if not by_product:
        return {}
    wanted = reduce(or_, (Q(name__startswith=product) for product in by_product))
    found: dict[str, list[tuple[SKU, str]]] = {product: [] for product in by_product}
    for candidate in SKU.objects.filter(wanted, is_active=True).order_by("code"):
        product, variant = product_name(candidate.name)
        if variant and product in found:
            found[product].append((candidate, variant))
    return {
        sku_id: [pair for pair in found[product] if pair[0].pk != sku_id][:MAX_OPTIONS]
        for product, sku_ids in by_product.items()
        for sku_id in sku_ids
    }


def channel_sellable(channel: Channel, sku_ids: Sequence[int]) -> dict[int, int]:
    """Units of each SKU the channel may sell now: its own stock policy, or every shipping location's ATP."""
    sync = ChannelSync.objects.filter(channel=channel).first()
    if sync is None:
        return feeding_atp(ChannelSync(channel=channel), sku_ids, feeding_ids=[])
    return channel_available(sync, sku_ids)


def exchange_options(*, channel: Channel, lines: Sequence[OrderLine]) -> dict[int, list[ExchangeOption]]:
    """Per order line id, what the customer may exchange it for, with availability on the order's channel."""
    siblings = exchange_siblings(line.sku for line in lines)
    sku_ids = sorted({sku.pk for options in siblings.values() for sku, _ in options})
    available = channel_sellable(channel, sku_ids) if sku_ids else {}
    return {
        line.pk: [
            ExchangeOption(
                code=sku.code,
                name=sku.name,
                variant=label,
                price=sku.price,
                available=available.get(sku.pk, 0),
                costs_more=sku.price > line.unit_price,
            )
            for sku, label in siblings.get(line.sku_id, [])
        ]
        for line in lines
    }
