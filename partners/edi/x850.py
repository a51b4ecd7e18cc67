"""The 850 dropship purchase order we send, from plain data (no database here).

Segment for segment it follows the published drop-ship 850 (BEG02 "DS", the consumer as
N1*ST, PO1 with VC/SK pairs and a PID description, CTT, AMT*TT), plus what our POs carry:
CUR (the currency), REF*CO (the customer's order reference), DTM*038 (ship no later than:
our ship-by) and TD5 with the service level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from partners.edi.writer import Elements, clean, decimal_text

SHIP_NO_LATER = "038"  # DTM01: ship no later than
ORIGINAL = "00"  # BEG01 purpose: a new PO
#: BEG01 purpose "Delete": the same PO number again, withdrawn. Drop-ship partners who take only
#: 850s (like the published sample's) read a cancellation this way rather than as an 860.
DELETE = "03"


@dataclass(frozen=True)
class ShipTo:
    """The consumer the supplier ships to (the only customer data it sees)."""

    name: str
    line1: str
    city: str
    region: str
    postal_code: str
    country: str = "US"
    line2: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Po850Line:
    """One PO line: PO101 is our line number, VC the supplier's code, SK our SKU code."""

    line_number: int
    quantity: int
    unit_cost: Decimal
    sku: str
    supplier_sku: str = ""
    description: str = ""


@dataclass(frozen=True)
class Po850:
    """What an 850 says: the PO number digits (BEG03), dates, ship-to, lines and total."""

    number: str
    ordered_on: date
    ship_to: ShipTo
    lines: Sequence[Po850Line]
    currency: str = "USD"
    ship_by: date | None = None
    service_level: str = ""
    customer_reference: str = ""
    total: Decimal | None = None
    order_type: str = "DS"  # BEG02: "DS" dropship to the consumer, "SA" stand-alone (stock for our location)
    purpose: str = ORIGINAL  # BEG01
    note: str = ""  # REF*ZZ: e.g. why the PO is withdrawn


def purchase_order_segments(po: Po850) -> list[Elements]:
    """The 850's body (BEG to AMT), ST and SE left to the envelope."""
    body: list[Elements] = [
        ["BEG", po.purpose, po.order_type, clean(po.number, limit=22), "", po.ordered_on.strftime("%Y%m%d")],
        ["CUR", "BY", clean(po.currency, limit=3)],
    ]
    if po.customer_reference:
        body.append(["REF", "CO", clean(po.customer_reference, limit=50)])
    if po.note:
        body.append(["REF", "ZZ", clean(po.note, limit=50)])
    if po.ship_by:
        body.append(["DTM", SHIP_NO_LATER, po.ship_by.strftime("%Y%m%d")])
    if po.service_level:
        body.append(["TD5", "", "", "", "ZZ", clean(po.service_level, limit=35)])
    to = po.ship_to
    body.append(["N1", "ST", clean(to.name, limit=60)])
    body.append(["N3", clean(to.line1, limit=55), clean(to.line2, limit=55)])
    body.append(
        ["N4", clean(to.city, limit=30), clean(to.region, limit=2), clean(to.postal_code, limit=15), to.country]
    )
    if to.phone:
        body.append(["PER", "IC", clean(to.name, limit=60), "TE", clean(to.phone, limit=80)])
    for line in po.lines:
        ids = ["VC", clean(line.supplier_sku, limit=48)] if line.supplier_sku else []
        body.append(
            [
                "PO1",
                str(line.line_number),
                str(line.quantity),
                "EA",
                decimal_text(line.unit_cost),
                "",
                *ids,
                "SK",
                clean(line.sku, limit=48),
            ]
        )
        if line.description:
            body.append(["PID", "F", "", "", "", clean(line.description, limit=80)])
    body.append(["CTT", str(len(po.lines))])
    total = po.total if po.total is not None else sum((x.unit_cost * x.quantity for x in po.lines), Decimal("0"))
    body.append(["AMT", "TT", decimal_text(total)])
    return body
