"""The two steps: `build_plan` (pure, deterministic) and `apply_plan` (writes through the services)."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import transaction

from inventory.demo.catalog import _choose_skus
from inventory.demo.network import NETWORK
from inventory.demo.people import _create_user, _users
from inventory.demo.specs import DemoPlan, DemoResult, StockSpec
from inventory.demo.stock import _receive_opening_stock, _stock_for, _transfers
from inventory.demo.variants import apply_variants_and_bins
from inventory.models import SKU, TransferStatus
from inventory.services import (
    StockLine,
    location_create,
    sku_create,
    stock_count,
    stock_set_safety_stock,
    transfer_cancel,
    transfer_create,
    transfer_receive,
    transfer_ship,
)

DEFAULT_SEED = 42
DEFAULT_SKU_COUNT = 300


# --- Planning -----------------------------------------------------------------------------


def build_plan(*, seed: int = DEFAULT_SEED, sku_count: int = DEFAULT_SKU_COUNT) -> DemoPlan:
    """The whole demo network for a seed: pure and deterministic (no database)."""
    if sku_count < 1:
        raise ValueError("sku_count must be at least 1.")
    rng = random.Random(seed)
    skus = _choose_skus(rng, sku_count)
    # Some big home goods and some electronics are sold only from the supplier's stock.
    dropship_only = {
        sku.code
        for sku in skus
        if (sku.family == "home" and rng.random() < 0.25) or (sku.family == "electronics" and rng.random() < 0.15)
    }
    stock: list[StockSpec] = []
    for location in NETWORK:
        stock.extend(_stock_for(rng, location, skus, dropship_only))
    transfers = _transfers(rng, stock, NETWORK)
    return DemoPlan(seed, NETWORK, tuple(skus), tuple(stock), tuple(transfers), _users(NETWORK))


# --- Writing the plan ---------------------------------------------------------------------


def apply_plan(plan: DemoPlan, *, progress: Callable[[str], None] | None = None) -> DemoResult:
    """Write the plan through the inventory services, in one transaction (all or nothing)."""
    say = progress or (lambda message: None)
    result = DemoResult(users=plan.users)
    with transaction.atomic():
        locations = {spec.code: location_create(**spec.as_kwargs()) for spec in plan.locations}
        result.locations = len(locations)
        say(f"{len(locations)} locations")
        skus: dict[str, SKU] = {spec.code: sku_create(**spec.as_kwargs()) for spec in plan.skus}
        result.skus = len(skus)
        say(f"{len(skus)} SKUs")
        for user_spec in plan.users:
            if not _create_user(user_spec, locations):
                result.existing_users.append(user_spec.username)
        _receive_opening_stock(plan, locations, skus)
        for row in plan.stock:
            location, sku = locations[row.location], skus[row.sku]
            if row.counted is not None:
                stock_count(location=location, sku=sku, counted=row.counted, actor=None)
            if row.safety_stock:
                stock_set_safety_stock(location=location, sku=sku, safety_stock=row.safety_stock, actor=None)
            result.units += row.on_hand
        result.stock_levels = len(plan.stock)
        say(f"{len(plan.stock)} stock levels, {result.units} units on hand")
        variants, bins = apply_variants_and_bins(plan, locations, skus)
        say(f"{variants} SKUs grouped as product variants, {bins} bins")
        for spec in plan.transfers:
            lines = [StockLine(skus[code].pk, quantity) for code, quantity in spec.lines]
            transfer = transfer_create(
                source=locations[spec.source],
                destination=locations[spec.destination],
                lines=lines,
                actor=None,
                note=spec.note,
            )
            if spec.status == TransferStatus.CANCELLED:
                transfer_cancel(transfer=transfer, actor=None)
            elif spec.status in (TransferStatus.SHIPPED, TransferStatus.RECEIVED):
                transfer = transfer_ship(transfer=transfer, actor=None)
                if spec.status == TransferStatus.RECEIVED:
                    transfer_receive(transfer=transfer, actor=None)
            result.transfers[spec.status] = result.transfers.get(spec.status, 0) + 1
        say(f"{len(plan.transfers)} transfers")
    return result
