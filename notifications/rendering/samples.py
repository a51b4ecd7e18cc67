"""A sample order for the template preview: every variable of every kind, filled with believable values.

The shape is the one `notifications.rendering.context` builds from a real order, so a template
that previews well renders the real thing; staff see every part (boxes, a delay, a refund) at once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from notifications.rendering.context import Brand


def sample_data(brand: Brand, *, today: date | None = None) -> dict[str, Any]:
    """The preview's data for `brand`: an order of two lines, one of them partly shipped in two boxes."""
    today = today or date(2025, 3, 3)
    placed = datetime.combine(today - timedelta(days=2), datetime.min.time(), tzinfo=UTC).replace(hour=15, minute=42)
    lines = [
        {
            "sku": "TEE-BLK-M",
            "name": "Black tee, M",
            "quantity": 2,
            "unit_price": Decimal("19.00"),
            "line_total": Decimal("38.00"),
            "shipped": 2,
            "cancelled": 0,
            "remaining": 0,
        },
        {
            "sku": "MUG-WHT",
            "name": "White mug",
            "quantity": 3,
            "unit_price": Decimal("12.50"),
            "line_total": Decimal("37.50"),
            "shipped": 0,
            "cancelled": 1,
            "remaining": 2,
        },
    ]
    return {
        "brand": {"name": brand.name},
        "customer": {"name": "Ada Lovelace", "first_name": "Ada", "email": "ada@example.com"},
        "order": {
            "number": "SO-001234",
            "external_id": "W-1001",
            "placed_at": placed,
            "currency": "USD",
            "subtotal": Decimal("75.50"),
            "shipping_total": Decimal("5.95"),
            "tax_total": Decimal("6.04"),
            "grand_total": Decimal("87.49"),
            "is_pickup": False,
            "pickup_store": None,
            "ship_to": {
                "name": "Ada Lovelace",
                "line1": "12 Analytical Row",
                "line2": "Apt 3",
                "city": "New York",
                "region": "NY",
                "postal_code": "10001",
                "country": "US",
            },
            "promised_date": today + timedelta(days=2),
            "service_level": "Standard",
            "lines": lines,
            "remaining_items": [{"sku": "MUG-WHT", "name": "White mug", "quantity": 2}],
        },
        "shipment": {
            "number": "SH-004321",
            "carrier": "UPS",
            "service": "Ground",
            "shipped_at": placed + timedelta(days=1),
            "estimated_delivery": today + timedelta(days=3),
            "items": [{"sku": "TEE-BLK-M", "name": "Black tee, M", "quantity": 2}],
            "boxes": [
                {
                    "number": 1,
                    "carrier": "UPS",
                    "service": "Ground",
                    "tracking_number": "1Z999AA10123456784",
                    "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
                },
                {
                    "number": 2,
                    "carrier": "UPS",
                    "service": "Ground",
                    "tracking_number": "1Z999AA10123456791",
                    "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456791",
                },
            ],
        },
        "delay": {"cause": "carrier_problem", "carrier_note": "Weather delay at the regional hub"},
        "cancellation": {"partial": True, "items": [{"sku": "MUG-WHT", "name": "White mug", "quantity": 1}]},
        "pickup": {
            "store_name": "New York Store",
            "store_address": "350 5th Ave, New York, NY, 10118",
            "hold_until": placed + timedelta(days=5),
            "code": "K7Q2MX",
        },
        "refund": {
            "amount": Decimal("25.00"),
            "currency": "USD",
            "return_number": "RMA-000321",
            "items": [{"sku": "MUG-WHT", "name": "White mug", "quantity": 2}],
        },
    }
