"""What every mapper needs: reading elements with precise errors, PO numbers, dates, and line matching.

A partner names a PO line in many ways: PO101/IT101/LIN01 repeating our line number, our
SKU code (SK), its own code (VC/VN), or a barcode (UP/EN). The mappers never guess: they
ask a `LineCatalog` (the purchase order's lines as plain `PoLineKey`s) and match in a fixed
order, so a document naming a line nobody ordered is refused with the segment at fault.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Protocol

from partners.edi.envelope import TransactionSet
from partners.edi.syntax import EdiIssue, Segment

PO_PREFIX = "PO-"
PO_DIGITS = 6  # "PO-000042": the number our purchase orders show (partners.models.PurchaseOrder.number)

# Product id qualifiers (PO1/LIN/IT1 pairs), by what they name.
OUR_SKU = ("SK", "BP", "IN")  # our SKU code: stock keeping unit, buyer's part, buyer's item
SUPPLIER_SKU = ("VN", "VC", "VP", "MG")  # the supplier's code: vendor item/catalog/part, manufacturer part
BARCODE = ("UP", "UK", "EN", "UA", "EA")  # UPC, GTIN-14, EAN


class MappingError(Exception):
    """A transaction set whose envelope is fine but whose content cannot be read as the document.

    Carries an `EdiIssue` naming the segment and element (and the 997 AK304/AK403 codes).
    """

    def __init__(self, issue: EdiIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue


def fail(ts: TransactionSet, segment: Segment, number: int, message: str, code: str = "7") -> MappingError:
    """A `MappingError` for element `number` of `segment`.

    `code` is the 997 AK403 code: 1 missing, 6 invalid character (a bad number), 7 invalid
    code value, 8 invalid date.
    """
    return MappingError(
        EdiIssue(
            message,
            segment.id,
            segment.ref(number) if number else "",
            segment.position,
            set_position=ts.position_in_set(segment),
            segment_code="8",
            element_code=code,
            value=segment.get(number) if number else "",
        )
    )


def missing_segment(ts: TransactionSet, segment_id: str, why: str) -> MappingError:
    """A `MappingError` for a mandatory segment that is not in the set (AK304 3)."""
    return MappingError(
        EdiIssue(
            f"no {segment_id} segment: {why}",
            segment_id,
            position=ts.st.position,
            set_position=1,
            segment_code="3",
        )
    )


def required(ts: TransactionSet, segment: Segment, number: int, what: str) -> str:
    """Element `number` stripped, or a `MappingError` naming it when it is empty."""
    value = segment.get(number).strip()
    if not value:
        raise fail(ts, segment, number, f"{segment.ref(number)} ({what}) is missing", code="1")
    return value


def quantity(ts: TransactionSet, segment: Segment, number: int, what: str = "quantity") -> int:
    """A whole, non-negative quantity ("0008" and "8.0" read as 8); else a `MappingError`."""
    value = required(ts, segment, number, what)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise fail(ts, segment, number, f"{segment.ref(number)} ({what}) {value!r} is not a number", "6") from None
    if amount != amount.to_integral_value() or amount < 0:
        raise fail(ts, segment, number, f"{segment.ref(number)} ({what}) {value!r} is not a whole number of units", "6")
    return int(amount)


def money(ts: TransactionSet, segment: Segment, number: int, what: str, implied_decimals: int = 0) -> Decimal:
    """An amount: explicit decimals ("3", "12.50"), or implied ones (TDS01 "14400" = 144.00)."""
    value = required(ts, segment, number, what)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise fail(ts, segment, number, f"{segment.ref(number)} ({what}) {value!r} is not an amount", "6") from None
    if implied_decimals:
        if "." in value:
            raise fail(ts, segment, number, f"{segment.ref(number)} ({what}) {value!r} must have implied decimals", "6")
        amount = amount.scaleb(-implied_decimals)
    return amount.quantize(Decimal("0.01")) if amount == amount.quantize(Decimal("0.01")) else amount


def ccyymmdd(ts: TransactionSet, segment: Segment, number: int, what: str) -> date:
    """A CCYYMMDD date element, or a `MappingError` (AK403 8)."""
    value = required(ts, segment, number, what)
    parsed = parse_date(value)
    if parsed is None:
        raise fail(ts, segment, number, f"{segment.ref(number)} ({what}) {value!r} is not a CCYYMMDD date", "8")
    return parsed


def parse_date(value: str) -> date | None:
    """CCYYMMDD to a date, or None when it is not one (e.g. the truncated "200")."""
    if not re.fullmatch(r"\d{8}", value):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def parse_time(value: str) -> time:
    """HHMM[SS] to a time; anything unreadable is midnight (times only refine a date)."""
    if re.fullmatch(r"\d{4}(\d{2})?", value or ""):
        hour, minute, second = int(value[:2]), int(value[2:4]), int(value[4:6] or 0)
        if hour < 24 and minute < 60 and second < 60:
            return time(hour, minute, second)
    return time(0, 0)


def at_utc(day: date, clock: time) -> datetime:
    """An aware datetime: X12 dates carry no zone, so they are taken as UTC."""
    return datetime.combine(day, clock, tzinfo=UTC)


def po_number(value: str) -> str:
    """Our PO number from whatever the partner echoed: "000042", "42" or "PO-000042" give "PO-000042".

    We send the digits in BEG03; partners send them back with or without the zeros, or with
    our prefix. Anything else is returned stripped, for the service to refuse by name.
    """
    value = value.strip()
    digits = value[len(PO_PREFIX) :] if value.upper().startswith(PO_PREFIX) else value
    if digits.isdigit():
        return f"{PO_PREFIX}{int(digits):0{PO_DIGITS}d}"
    return value


def po_digits(number: str) -> str:
    """What we put in BEG03 for "PO-000042": "000042" (the digits, zeros kept)."""
    return number[len(PO_PREFIX) :] if number.startswith(PO_PREFIX) else number


@dataclass(frozen=True)
class ItemRef:
    """How a line of a received document names its item: line id and qualifier/value pairs."""

    line_id: str
    ids: tuple[tuple[str, str], ...]

    def first(self, qualifiers: Sequence[str]) -> str:
        """The first non-blank value among `qualifiers`, in their order of preference."""
        for wanted in qualifiers:
            for qualifier, value in self.ids:
                if qualifier == wanted and value.strip():
                    return value.strip()
        return ""

    def describe(self) -> str:
        """e.g. "line 'item-1', VC VND1234567, SK ACM/8900-400" for error messages."""
        parts = [f"line {self.line_id!r}"] if self.line_id else []
        parts += [f"{qualifier} {value}" for qualifier, value in self.ids if value.strip()]
        return ", ".join(parts) or "no item id"


@dataclass(frozen=True)
class PoLineKey:
    """One line of our purchase order, with every code a partner may use for it."""

    line_number: int
    quantity: int
    sku: str
    supplier_sku: str = ""
    barcode: str = ""


class LineCatalog(Protocol):
    """Where mappers find a PO's lines (the database in production, a dict in tests)."""

    def lines(self, po_number: str) -> Sequence[PoLineKey]:
        """The lines of `po_number` ("PO-000042"), or () when the PO is unknown."""
        ...


class NoCatalog:
    """A catalog that knows no PO: only numeric line ids that repeat our line numbers match."""

    def lines(self, po_number: str) -> Sequence[PoLineKey]:
        """Always ()."""
        return ()


def _same_barcode(a: str, b: str) -> bool:
    """UPC-A "008815509183" and GTIN-14 "00008815509183" are the same item."""
    return bool(a) and bool(b) and a.lstrip("0") == b.lstrip("0")


def match_line(lines: Sequence[PoLineKey], item: ItemRef) -> int | None:
    """Our line number for `item`, or None.

    Order: our SKU code, the supplier's code, the barcode, then a numeric line id that is
    one of our line numbers. Codes come first because they say which item it is; a line id
    is trusted only when no code names the item, or when the PO's lines are not known.
    """
    sku, supplier, barcode = item.first(OUR_SKU), item.first(SUPPLIER_SKU), item.first(BARCODE)
    for wanted, attribute in ((sku, "sku"), (supplier, "supplier_sku")):
        if wanted:
            found = [line for line in lines if getattr(line, attribute) and getattr(line, attribute) == wanted]
            if len(found) == 1:
                return found[0].line_number
    if barcode:
        found = [line for line in lines if _same_barcode(line.barcode, barcode)]
        if len(found) == 1:
            return found[0].line_number
    if lines and (sku or supplier or barcode):
        return None  # the codes name an item this PO does not have: a line id must not override them
    if item.line_id.isdigit():
        number = int(item.line_id)
        if not lines or any(line.line_number == number for line in lines):
            return number
    return None
