"""The plan types: what the demo network contains, as plain frozen dataclasses (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any

# --- Plan types ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LocationSpec:
    """One location of the network, as `location_create` takes it."""

    code: str
    name: str
    kind: str
    address_line1: str
    postal_code: str
    ships_orders: bool
    offers_pickup: bool
    accepts_returns: bool
    ship_from_store: bool
    daily_order_capacity: int
    order_cutoff_time: time
    priority: int

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `location_create` (city, state, time zone come from the ZIP)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class SKUSpec:
    """One SKU, as `sku_create` takes it."""

    code: str
    name: str
    family: str
    barcode: str
    weight_grams: int
    length_mm: int
    width_mm: int
    height_mm: int
    price: Decimal
    # The product line it is a variant of, with its size and colour (empty: a product of one SKU).
    product: str = ""
    size: str = ""
    colour: str = ""

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `sku_create`."""
        grouping = {"family", "product", "size", "colour"}
        return {name: getattr(self, name) for name in self.__dataclass_fields__ if name not in grouping}


@dataclass(frozen=True)
class StockSpec:
    """Opening stock of one SKU at one location.

    `received` units arrive on a purchase order; if `counted` is set, a later cycle count
    finds that many (sold through, shrink); `safety_stock` units are held back from ATP.
    """

    location: str
    sku: str
    received: int
    counted: int | None = None
    safety_stock: int = 0

    @property
    def on_hand(self) -> int:
        """Units on hand once the plan is applied (before transfers)."""
        return self.received if self.counted is None else self.counted


@dataclass(frozen=True)
class TransferSpec:
    """A transfer between two locations, driven to `status` (requested, shipped, received, cancelled)."""

    source: str
    destination: str
    lines: tuple[tuple[str, int], ...]
    status: str
    note: str = ""


@dataclass(frozen=True)
class UserSpec:
    """A demo login with its role and, for scoped roles, its locations."""

    username: str
    password: str
    role: str
    first_name: str
    last_name: str
    locations: tuple[str, ...] = ()
    is_staff: bool = False
    is_superuser: bool = False
    description: str = ""


@dataclass(frozen=True)
class DemoPlan:
    """Everything the demo network contains, in the order it is written."""

    seed: int
    locations: tuple[LocationSpec, ...]
    skus: tuple[SKUSpec, ...]
    stock: tuple[StockSpec, ...]
    transfers: tuple[TransferSpec, ...]
    users: tuple[UserSpec, ...]


@dataclass
class DemoResult:
    """What `apply_plan` wrote; `existing_users` were already there and kept their passwords."""

    locations: int = 0
    skus: int = 0
    stock_levels: int = 0
    units: int = 0
    transfers: dict[str, int] = field(default_factory=dict)
    users: tuple[UserSpec, ...] = ()
    existing_users: list[str] = field(default_factory=list)
