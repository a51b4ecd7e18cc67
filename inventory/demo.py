"""The demo network: a realistic US merchant, built deterministically from a seed.

Two steps, so the data can be checked without a database:

- `build_plan(seed=..., sku_count=...)` is pure: it returns a `DemoPlan` (locations, SKUs,
  opening stock, transfers, users). The same seed and size always give the same plan.
- `apply_plan(plan)` writes the plan through `inventory.services` (location_create,
  sku_create, receipts, stock_count, stock_set_safety_stock, transfer_*), so every unit
  on the screen has its ledger rows and `ledger_verify()` finds no drift.

`manage.py seed_demo` is the thin command around these.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from core.roles import ADMINISTRATOR, BACK_OFFICE, STORE_ASSOCIATE, WAREHOUSE_OPERATOR
from inventory.models import SKU, Location, LocationKind, MovementKind, TransferStatus
from inventory.services import (
    DocumentRef,
    StockLine,
    location_access_grant,
    location_create,
    sku_create,
    stock_count,
    stock_set_safety_stock,
    transfer_cancel,
    transfer_create,
    transfer_receive,
    transfer_ship,
)
from inventory.services.stock import LevelChange, apply_level_changes

DEFAULT_SEED = 42
DEFAULT_SKU_COUNT = 300
RECEIPT_BATCH = 100  # receipt lines per locking round trip (keeps the lock query small on SQLite)
GS1_COMPANY_PREFIX = "0614141"  # GS1's documentation prefix: valid GTINs that belong to no real product


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

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `sku_create`."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "family"}


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


# --- The network --------------------------------------------------------------------------

_WH, _STORE, _3PL, _DS = (
    LocationKind.WAREHOUSE,
    LocationKind.STORE,
    LocationKind.THIRD_PARTY,
    LocationKind.DROPSHIP_SUPPLIER,
)


def _warehouse(
    code: str, name: str, address: str, zip_code: str, capacity: int, cutoff: time, prio: int
) -> LocationSpec:
    """A company warehouse: ships orders and takes returns, large capacity, an afternoon cut-off."""
    return LocationSpec(code, name, _WH, address, zip_code, True, False, True, False, capacity, cutoff, prio)


def _store(code: str, name: str, address: str, zip_code: str, capacity: int) -> LocationSpec:
    """A retail store: pickup, returns at the counter, ship-from-store with a small daily capacity."""
    return LocationSpec(code, name, _STORE, address, zip_code, True, True, True, True, capacity, time(17, 0), 50)


def _partner(
    code: str, name: str, kind: str, address: str, zip_code: str, capacity: int, cutoff: time, prio: int
) -> LocationSpec:
    """A 3PL warehouse or a dropship supplier: ships orders only (no pickup, no returns)."""
    return LocationSpec(code, name, kind, address, zip_code, True, False, False, False, capacity, cutoff, prio)


NETWORK: tuple[LocationSpec, ...] = (
    _warehouse("dal-dc", "Dallas Distribution Center", "4800 Irving Blvd", "75201", 2500, time(16, 0), 10),
    _warehouse("rno-dc", "Reno Distribution Center", "1200 E 4th St", "89501", 1800, time(15, 0), 10),
    _warehouse("cmh-dc", "Columbus Distribution Center", "350 W Broad St", "43215", 2200, time(16, 0), 10),
    _warehouse("lhv-dc", "Lehigh Valley Distribution Center", "1900 E 4th St", "18015", 2400, time(15, 30), 10),
    _store("nyc-herald-sq", "New York Herald Square", "151 W 34th St", "10001", 60),
    _store("chi-loop", "Chicago Loop", "150 N Michigan Ave", "60601", 50),
    _store("la-downtown", "Los Angeles Downtown", "400 N Alameda St", "90012", 45),
    _store("sea-pike", "Seattle Pike Street", "1501 4th Ave", "98101", 40),
    _store("mia-brickell", "Miami Brickell", "701 S Miami Ave", "33131", 40),
    _store("den-lodo", "Denver LoDo", "1600 Wynkoop St", "80202", 35),
    _store("atl-peachtree", "Atlanta Peachtree Center", "231 Peachtree St NE", "30303", 35),
    _store("bos-downtown", "Boston Downtown Crossing", "1 Winter St", "02108", 40),
    _partner("3pl-ontario", "ShipRight 3PL — Ontario, CA", _3PL, "4200 E Airport Dr", "91761", 1200, time(14, 0), 30),
    _partner(
        "3pl-memphis", "Delta Fulfillment 3PL — Memphis", _3PL, "3800 Tchulahoma Rd", "38118", 1500, time(18, 0), 30
    ),
    _partner(
        "ds-hearthloom", "Hearth & Loom Home (dropship)", _DS, "1100 Furniture Ave", "27260", 300, time(12, 0), 70
    ),
    _partner(
        "ds-voltline", "Voltline Accessories (dropship)", _DS, "500 E Cesar Chavez St", "78701", 400, time(13, 0), 70
    ),
)
DROPSHIP_FAMILY = {"ds-hearthloom": "home", "ds-voltline": "electronics"}


# --- The catalog --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Product:
    """A product line whose variants (colour x size) become SKUs."""

    family: str
    prefix: str
    key: str
    name: str
    price: Decimal
    weight_grams: int
    dims_mm: tuple[int, int, int]
    colours: tuple[tuple[str, str], ...] = (("", ""),)
    sizes: tuple[tuple[str, str, float], ...] = (("", "", 1.0),)  # (code, label, weight/price factor)


def _colours(*codes: str) -> tuple[tuple[str, str], ...]:
    """Colour codes with their names."""
    names = {
        "BLK": "Black",
        "WHT": "White",
        "NVY": "Navy",
        "GRY": "Heather Grey",
        "OLV": "Olive",
        "KHK": "Khaki",
        "BLU": "Light Blue",
        "TAN": "Tan",
        "BRN": "Brown",
        "NAT": "Natural",
        "SLT": "Slate",
        "SGE": "Sage",
        "CHR": "Charcoal",
        "SPK": "Speckled",
        "RST": "Rust",
        "RED": "Red",
        "CDR": "Cedar",
        "FIG": "Fig",
        "SEA": "Sea Salt",
        "AMB": "Amber",
    }
    return tuple((code, names[code]) for code in codes)


_LETTER = (
    ("XS", "XS", 0.85),
    ("S", "S", 0.92),
    ("M", "M", 1.0),
    ("L", "L", 1.08),
    ("XL", "XL", 1.16),
    ("XXL", "XXL", 1.25),
)
_WAIST = tuple((str(w), f"{w}W", 0.9 + (w - 28) * 0.025) for w in (30, 32, 34, 36, 38))
_SHOE = tuple(
    (f"{int(s * 10):03d}", f"US {s:g}", 0.9 + (s - 7) * 0.04) for s in (7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 11.5, 12)
)
_SANDAL = tuple((f"{s:03d}0", f"US {s}", 0.9 + (s - 6) * 0.04) for s in range(6, 14))

CATALOG: tuple[_Product, ...] = (
    # Apparel: folded in a poly bag.
    _Product("apparel", "APP", "TEE", "Everyday Crew Tee", Decimal("24.00"), 180, (300, 250, 20),
             _colours("BLK", "WHT", "NVY", "GRY", "OLV"), _LETTER),
    _Product("apparel", "APP", "HOOD", "Heavyweight Hoodie", Decimal("68.00"), 650, (350, 300, 60),
             _colours("BLK", "GRY", "NVY", "RST"), _LETTER),
    _Product("apparel", "APP", "CHINO", "Slim Stretch Chino", Decimal("59.00"), 520, (350, 280, 40),
             _colours("KHK", "NVY", "OLV"), _WAIST),
    _Product("apparel", "APP", "OXF", "Oxford Button-Down Shirt", Decimal("54.00"), 300, (330, 260, 30),
             _colours("WHT", "BLU", "NVY"), _LETTER[1:]),
    _Product("apparel", "APP", "RAIN", "Packable Rain Jacket", Decimal("98.00"), 420, (300, 250, 50),
             _colours("BLK", "OLV", "RED"), _LETTER[1:]),
    _Product("apparel", "APP", "SOCK", "Merino Crew Socks 3-Pack", Decimal("22.00"), 150, (200, 120, 40),
             _colours("BLK", "GRY", "NVY"), (("S", "S", 0.9), ("M", "M", 1.0), ("L", "L", 1.1))),
    # Footwear: shoe boxes.
    _Product("footwear", "FTW", "TRAIL", "Trail Runner", Decimal("129.00"), 620, (330, 210, 120),
             _colours("BLK", "GRY"), _SHOE),
    _Product("footwear", "FTW", "CNVS", "Canvas Low-Top Sneaker", Decimal("65.00"), 780, (320, 200, 110),
             _colours("WHT", "BLK", "NVY"), _SHOE),
    _Product("footwear", "FTW", "CHLS", "Leather Chelsea Boot", Decimal("189.00"), 1450, (340, 230, 130),
             _colours("BRN", "BLK"), _SHOE),
    _Product("footwear", "FTW", "SNDL", "Cork Footbed Sandal", Decimal("79.00"), 540, (310, 190, 100),
             _colours("TAN", "BLK"), _SANDAL),
    # Home goods.
    _Product("home", "HOM", "DUVET", "Linen Duvet Cover", Decimal("189.00"), 1400, (400, 320, 90),
             _colours("NAT", "WHT", "SLT"), (("TW", "Twin", 0.75), ("FQ", "Full/Queen", 1.0), ("KG", "King", 1.25))),
    _Product("home", "HOM", "SHEET", "Percale Sheet Set", Decimal("129.00"), 1600, (380, 300, 100),
             _colours("WHT", "NAT", "SLT"),
             (("TW", "Twin", 0.75), ("FL", "Full", 0.9), ("QN", "Queen", 1.0), ("KG", "King", 1.2))),
    _Product("home", "HOM", "MUG", "Stoneware Mug Set of 4", Decimal("48.00"), 1600, (280, 280, 130),
             _colours("SPK", "CHR", "SGE")),
    _Product("home", "HOM", "SKLT", "Cast Iron Skillet", Decimal("39.00"), 2300, (430, 270, 60), sizes=(
             ("08", '8"', 0.65), ("10", '10"', 1.0), ("12", '12"', 1.45))),
    _Product("home", "HOM", "FPAN", "Nonstick Frying Pan", Decimal("45.00"), 1100, (480, 290, 70), sizes=(
             ("10", '10"', 1.0), ("12", '12"', 1.3))),
    _Product("home", "HOM", "TOWEL", "Turkish Cotton Towel Set", Decimal("79.00"), 1800, (350, 300, 150),
             _colours("WHT", "SLT", "SGE", "RST")),
    _Product("home", "HOM", "THROW", "Chunky Knit Throw", Decimal("98.00"), 1900, (450, 380, 140),
             _colours("NAT", "CHR", "RST", "SGE")),
    _Product("home", "HOM", "CNDL", "Soy Candle 8 oz", Decimal("28.00"), 450, (100, 100, 110),
             _colours("CDR", "FIG", "SEA", "AMB")),
    _Product("home", "HOM", "PLNTR", "Ceramic Planter", Decimal("34.00"), 1200, (220, 220, 200), sizes=(
             ("S", "Small", 0.6), ("M", "Medium", 1.0), ("L", "Large", 1.6))),
    _Product("home", "HOM", "ROBE", "Waffle Bath Robe", Decimal("88.00"), 1100, (380, 300, 80),
             _colours("WHT", "SLT"), (("S", "S", 0.9), ("M", "M", 1.0), ("L", "L", 1.1))),
    _Product("home", "HOM", "LAMP", "Ceramic Table Lamp", Decimal("149.00"), 3200, (450, 350, 350),
             _colours("WHT", "SGE")),
    _Product("home", "HOM", "KNIFE", "Chef's Knife 8 in", Decimal("110.00"), 420, (380, 90, 40)),
    _Product("home", "HOM", "BOARD", "End-Grain Cutting Board", Decimal("65.00"), 2100, (460, 320, 45), sizes=(
             ("M", "Medium", 1.0), ("L", "Large", 1.4))),
    _Product("home", "HOM", "GLASS", "Glass Food Storage Set", Decimal("42.00"), 2600, (360, 260, 160)),
    # Electronics accessories: retail boxes.
    _Product("electronics", "ELC", "USBC", "Braided USB-C Cable", Decimal("19.00"), 60, (160, 90, 30),
             _colours("BLK", "WHT"), (("1M", "1 m", 1.0), ("2M", "2 m", 1.25), ("3M", "3 m", 1.5))),
    _Product("electronics", "ELC", "CHRG", "GaN Wall Charger", Decimal("35.00"), 110, (110, 90, 50), sizes=(
             ("30W", "30 W", 1.0), ("65W", "65 W", 1.5), ("100W", "100 W", 2.1))),
    _Product("electronics", "ELC", "PBNK", "Power Bank", Decimal("39.00"), 220, (160, 100, 35),
             _colours("BLK", "WHT"), (("10K", "10,000 mAh", 1.0), ("20K", "20,000 mAh", 1.6))),
    _Product("electronics", "ELC", "BUDS", "Wireless Earbuds", Decimal("89.00"), 150, (120, 120, 50),
             _colours("BLK", "WHT", "SGE")),
    _Product("electronics", "ELC", "CASE", "Clear MagSafe Case", Decimal("29.00"), 80, (190, 110, 25), sizes=(
             ("IP15", "iPhone 15", 1.0), ("IP15P", "iPhone 15 Pro", 1.0), ("IP16", "iPhone 16", 1.0),
             ("IP16P", "iPhone 16 Pro", 1.0), ("GS24", "Galaxy S24", 1.0))),
    _Product("electronics", "ELC", "GLSS", "Tempered Glass Screen Protector", Decimal("15.00"), 50, (190, 110, 15),
             sizes=(("IP15", "iPhone 15", 1.0), ("IP15P", "iPhone 15 Pro", 1.0), ("IP16", "iPhone 16", 1.0),
                    ("IP16P", "iPhone 16 Pro", 1.0), ("GS24", "Galaxy S24", 1.0))),
    _Product("electronics", "ELC", "SLEEVE", "Felt Laptop Sleeve", Decimal("45.00"), 260, (390, 280, 25),
             _colours("GRY", "CHR"), (("13", '13"', 0.9), ("14", '14"', 1.0), ("16", '16"', 1.2))),
    _Product("electronics", "ELC", "STAND", "Aluminum Laptop Stand", Decimal("49.00"), 900, (300, 250, 60)),
    _Product("electronics", "ELC", "MOUSE", "Wireless Mouse", Decimal("39.00"), 120, (150, 100, 60),
             _colours("BLK", "WHT")),
    _Product("electronics", "ELC", "HUB", "7-in-1 USB-C Hub", Decimal("59.00"), 130, (150, 90, 35)),
    _Product("electronics", "ELC", "SPKR", "Portable Bluetooth Speaker", Decimal("79.00"), 540, (200, 110, 100),
             _colours("BLK", "SGE", "RED")),
    _Product("electronics", "ELC", "HDMI", "HDMI 2.1 Cable", Decimal("22.00"), 120, (180, 110, 35), sizes=(
             ("1M", "1 m", 1.0), ("2M", "2 m", 1.3))),
    _Product("electronics", "ELC", "PLUG", "Smart Plug 2-Pack", Decimal("25.00"), 200, (120, 110, 70)),
    _Product("electronics", "ELC", "MOUNT", "Magnetic Car Mount", Decimal("29.00"), 140, (130, 90, 70)),
)  # fmt: skip


def gtin13_check_digit(first12: str) -> str:
    """The GS1 check digit of a GTIN-13's first 12 digits (weights 1, 3, 1, 3, ... from the left)."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError("A GTIN-13 check digit needs exactly 12 digits.")
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(first12))
    return str((10 - total % 10) % 10)


def gtin13(item_reference: int) -> str:
    """A valid GTIN-13 under the demo company prefix for an item number (0..99999)."""
    first12 = f"{GS1_COMPANY_PREFIX}{item_reference:05d}"
    return first12 + gtin13_check_digit(first12)


def is_valid_gtin13(code: str) -> bool:
    """True if the code is 13 digits with a correct check digit."""
    return len(code) == 13 and code.isdigit() and gtin13_check_digit(code[:12]) == code[12]


def full_catalog() -> list[SKUSpec]:
    """Every SKU the demo merchant could carry, in a fixed order with fixed barcodes."""
    specs: list[SKUSpec] = []
    for product in CATALOG:
        for colour_code, colour_name in product.colours:
            for size_code, size_label, factor in product.sizes:
                code = "-".join(part for part in (product.prefix, product.key, colour_code, size_code) if part)
                variant = ", ".join(part for part in (colour_name, size_label) if part)
                price = (product.price * Decimal(str(max(factor, 1.0)))).quantize(Decimal("1")) - Decimal("0.01")
                length, width, height = product.dims_mm
                specs.append(
                    SKUSpec(
                        code=code,
                        name=f"{product.name} — {variant}" if variant else product.name,
                        family=product.family,
                        barcode=gtin13(len(specs) + 1),
                        weight_grams=round(product.weight_grams * factor),
                        length_mm=length,
                        width_mm=width,
                        height_mm=round(height * max(factor, 0.8)),
                        price=price,
                    )
                )
    return specs


def _choose_skus(rng: random.Random, sku_count: int) -> list[SKUSpec]:
    """A sample of the catalog with every family represented in proportion, sorted by code."""
    catalog = full_catalog()
    if sku_count >= len(catalog):
        return sorted(catalog, key=lambda s: s.code)
    families = {
        family: [spec for spec in catalog if spec.family == family] for family in sorted({s.family for s in catalog})
    }
    # Largest-remainder shares, so the sample has exactly sku_count SKUs in the catalog's proportions.
    exact = {family: sku_count * len(members) / len(catalog) for family, members in families.items()}
    shares = {family: int(value) for family, value in exact.items()}
    by_remainder = sorted(families, key=lambda family: (shares[family] - exact[family], family))
    for family in by_remainder[: sku_count - sum(shares.values())]:
        shares[family] += 1
    chosen = [spec for family, members in families.items() for spec in rng.sample(members, shares[family])]
    return sorted(chosen, key=lambda s: s.code)


# --- Stock, transfers, users --------------------------------------------------------------

# How likely a family is held at each kind of location.
_PRESENCE: dict[str, dict[str, float]] = {
    _WH: {"apparel": 0.85, "footwear": 0.85, "home": 0.7, "electronics": 0.8},
    _3PL: {"apparel": 0.5, "footwear": 0.45, "home": 0.2, "electronics": 0.6},
    _STORE: {"apparel": 0.6, "footwear": 0.55, "home": 0.25, "electronics": 0.45},
}


def _quantity(rng: random.Random, kind: str) -> int:
    """Opening units: warehouses deep, 3PLs medium, stores shallow, suppliers' feeds large."""
    if kind == _STORE:
        return rng.randint(1, 12)
    depth: dict[str, tuple[int, float]] = {_WH: (140, 0.7), _3PL: (60, 0.6), _DS: (250, 0.5)}
    median, spread = depth[kind]
    return max(5, min(int(rng.lognormvariate(0, spread) * median), 1500))


def _stock_for(
    rng: random.Random, location: LocationSpec, skus: list[SKUSpec], dropship_only: set[str]
) -> list[StockSpec]:
    """Opening stock at one location: which SKUs it holds, how many, which ran out or run low."""
    rows: list[StockSpec] = []
    for sku in skus:
        if location.kind == _DS:
            if DROPSHIP_FAMILY[location.code] != sku.family:
                continue
            if sku.code not in dropship_only and rng.random() > 0.6:
                continue
        elif sku.code in dropship_only or rng.random() > _PRESENCE[location.kind][sku.family]:
            continue
        received = _quantity(rng, location.kind)
        roll = rng.random()
        if roll < 0.06:
            # Sold through since the receipt: a cycle count found none left.
            rows.append(StockSpec(location.code, sku.code, received, counted=0))
        elif roll < 0.14:
            # Running low: a few units, some held back as safety stock (display units in a store).
            low = rng.randint(1, 3)
            rows.append(StockSpec(location.code, sku.code, received + low, counted=low, safety_stock=min(2, low)))
        elif roll < 0.22 and location.kind == _WH:
            # Shrink found at a cycle count.
            rows.append(StockSpec(location.code, sku.code, received, counted=max(received - rng.randint(1, 4), 0)))
        elif roll < 0.45 and location.kind in (_WH, _3PL):
            rows.append(StockSpec(location.code, sku.code, received, safety_stock=rng.choice((5, 10, 15))))
        else:
            rows.append(StockSpec(location.code, sku.code, received))
    return rows


def _transfers(rng: random.Random, stock: list[StockSpec], locations: tuple[LocationSpec, ...]) -> list[TransferSpec]:
    """Two transfers in each state; each fits comfortably in its source's available stock."""
    warehouses = [loc.code for loc in locations if loc.kind == _WH]
    stores = [loc.code for loc in locations if loc.kind == _STORE]
    spare: dict[tuple[str, str], int] = {
        (row.location, row.sku): row.on_hand - row.safety_stock for row in stock if row.location in warehouses
    }
    transfers: list[TransferSpec] = []
    statuses = [TransferStatus.REQUESTED, TransferStatus.SHIPPED, TransferStatus.RECEIVED, TransferStatus.CANCELLED]
    for number, status in enumerate(statuses * 2):
        source = warehouses[number % len(warehouses)]
        destination = stores[number % len(stores)] if number % 3 else warehouses[(number + 1) % len(warehouses)]
        candidates = sorted(sku for (loc, sku), units in spare.items() if loc == source and units >= 20)
        if not candidates:
            continue
        picked = rng.sample(candidates, min(len(candidates), rng.randint(1, 3)))
        lines = []
        for sku in sorted(picked):
            quantity = rng.randint(2, 12)
            spare[(source, sku)] -= quantity
            lines.append((sku, quantity))
        kind = "Store replenishment" if destination in stores else "Rebalance between DCs"
        transfers.append(TransferSpec(source, destination, tuple(lines), str(status), note=kind))
    return transfers


def _users(locations: tuple[LocationSpec, ...]) -> tuple[UserSpec, ...]:
    """One login per role; the operator works at two warehouses, the associate at one store."""
    warehouses = [loc.code for loc in locations if loc.kind == _WH]
    store = next(loc.code for loc in locations if loc.kind == _STORE)
    return (
        UserSpec("admin", "demo-admin-2026", ADMINISTRATOR, "Alex", "Admin", is_staff=True, is_superuser=True,
                 description="Administrator: everything, including /admin/"),
        UserSpec("backoffice", "demo-backoffice-2026", BACK_OFFICE, "Blair", "Office",
                 description="Back office: every location"),
        UserSpec("operator", "demo-operator-2026", WAREHOUSE_OPERATOR, "Owen", "Operator",
                 locations=tuple(warehouses[:2]), description=f"Warehouse operator: {', '.join(warehouses[:2])}"),
        UserSpec("associate", "demo-associate-2026", STORE_ASSOCIATE, "Sam", "Associate",
                 locations=(store,), description=f"Store associate: {store}"),
    )  # fmt: skip


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


def _create_user(spec: UserSpec, locations: dict[str, Location]) -> bool:
    """Create a login in its role group and grant its locations; False if it already existed.

    An existing user (say, an administrator made with createsuperuser) keeps its password.
    """
    user_model = get_user_model()
    user = user_model.objects.filter(username=spec.username).first()
    created = user is None
    if user is None:
        user = user_model.objects.create_user(
            username=spec.username,
            email=f"{spec.username}@demo.example.com",
            password=spec.password,
            first_name=spec.first_name,
            last_name=spec.last_name,
            is_staff=spec.is_staff,
            is_superuser=spec.is_superuser,
        )
    user.groups.add(Group.objects.get(name=spec.role))
    if spec.locations:
        location_access_grant(user=user, locations=[locations[code] for code in spec.locations])
    return created


def _receive_opening_stock(plan: DemoPlan, locations: dict[str, Location], skus: dict[str, SKU]) -> None:
    """Receive the opening stock: one purchase order per location, its lines applied in batches.

    `apply_level_changes` is what `stock_receive` does for one line (lock, F() update, ledger
    row); calling it with a batch of receipt lines writes the same ledger many times faster.
    The plan only holds positive quantities at active locations, which `stock_receive` would check.
    """
    by_location: dict[str, list[StockSpec]] = {}
    for row in plan.stock:
        by_location.setdefault(row.location, []).append(row)
    for code, rows in by_location.items():
        location = locations[code]
        document = DocumentRef("purchase_order", f"PO-{code.upper()}-{plan.seed}")
        for start in range(0, len(rows), RECEIPT_BATCH):
            changes = [
                LevelChange(location.pk, skus[row.sku].pk, MovementKind.RECEIPT, on_hand=row.received)
                for row in rows[start : start + RECEIPT_BATCH]
            ]
            apply_level_changes(changes, actor=None, document=document, note="Opening stock", create_missing=True)


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
