"""The demo catalog: product lines whose variants become SKUs, with valid GTIN-13 barcodes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from inventory.demo.specs import SKUSpec

GS1_COMPANY_PREFIX = "0614141"  # GS1's documentation prefix: valid GTINs that belong to no real product


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
        has_variants = len(product.colours) * len(product.sizes) > 1
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
                        product=product.name if has_variants else "",
                        size=size_label if has_variants else "",
                        colour=colour_name if has_variants else "",
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
