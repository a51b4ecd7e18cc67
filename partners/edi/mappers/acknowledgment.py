"""855 purchase order acknowledgment -> `partners.documents.Acknowledgment`.

BAK03 is our PO number; each PO1 loop is one of our lines (matched by SK/VC/barcode, or
PO101 = our line number) and its ACK segments say what happens to it: ACK01 the status,
ACK02 how many units. Several ACKs under one PO1 split a line (6 accepted, 2 rejected).
A dropship order has to ship now, so anything that is not a firm acceptance (backordered,
on hold, substitution) counts as a rejection: those units are re-routed elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from partners.documents import AckLine, Acknowledgment
from partners.edi.envelope import TransactionSet
from partners.edi.mappers.common import (
    ItemRef,
    LineCatalog,
    NoCatalog,
    PoLineKey,
    fail,
    match_line,
    missing_segment,
    po_number,
    quantity,
    required,
)
from partners.edi.syntax import Segment

# ACK01 codes that accept the units in ACK02, and what the others mean (the rejection reason).
ACCEPTING: dict[str, str] = {
    "IA": "accepted",
    "IC": "accepted, changes made",
    "IP": "accepted, price changed",
    "IQ": "accepted, quantity changed",
    "AR": "accepted and released for shipment",
    "AC": "accepted and shipped",
    "DR": "accepted, date rescheduled",
    "BP": "accepted, partial shipment, balance backordered",
}
REJECTING: dict[str, str] = {
    "IR": "rejected",
    "ID": "deleted",
    "IB": "backordered",
    "IS": "substitution offered",
    "IH": "on hold",
    "IW": "on hold, waiver required",
    "IF": "on hold, incomplete description",
    "R1": "rejected, not a contract item",
    "R2": "rejected, invalid item number",
    "R3": "rejected, invalid unit of issue",
    "R4": "rejected, contract item not available",
}
# BAK02 types that accept the lines they do not mention, and those that reject the whole PO.
ACCEPT_UNLISTED = {"AE", "AK", "AT"}
REJECT_ALL = {"RJ", "RD", "RF"}


def _loops(ts: TransactionSet) -> list[tuple[Segment, list[Segment]]]:
    """Each PO1 with the ACK segments of its loop."""
    loops: list[tuple[Segment, list[Segment]]] = []
    for segment in ts.body:
        if segment.id == "PO1":
            loops.append((segment, []))
        elif segment.id == "ACK" and loops:
            loops[-1][1].append(segment)
    return loops


def _line_answer(ts: TransactionSet, po1: Segment, acks: list[Segment], ack_type: str) -> tuple[int, str]:
    """(units accepted, rejection reason) for one PO1 loop."""
    ordered = quantity(ts, po1, 2, "quantity ordered")
    if not acks:
        if ack_type in REJECT_ALL:
            return 0, f"purchase order rejected (BAK02 {ack_type})"
        return ordered, ""
    accepted, reasons = 0, []
    for ack in acks:
        code = required(ts, ack, 1, "line item status code")
        units = quantity(ts, ack, 2, "quantity") if ack.get(2).strip() else ordered
        if code in ACCEPTING:
            accepted += units
        elif code in REJECTING:
            reasons.append(f"{units} {REJECTING[code]} ({code})")
        else:
            raise fail(ts, ack, 1, f"ACK01 {code!r} is not a line item status code (IA, IQ, IR, IB, ...)")
    return accepted, "; ".join(reasons)


def acknowledgment_from_855(ts: TransactionSet, catalog: LineCatalog | None = None) -> Acknowledgment:
    """Map an 855 set to an `Acknowledgment`; raise `MappingError` naming the segment and element at fault."""
    catalog = catalog or NoCatalog()
    bak = next((segment for segment in ts.body if segment.id == "BAK"), None)
    if bak is None:
        raise missing_segment(ts, "BAK", "an 855 starts with BAK (acknowledgment type, PO number)")
    number = po_number(required(ts, bak, 3, "purchase order number"))
    ack_type = required(ts, bak, 2, "acknowledgment type")
    lines: Sequence[PoLineKey] = catalog.lines(number)
    answers: dict[int, AckLine] = {}
    for po1, acks in _loops(ts):
        item = ItemRef(po1.get(1).strip(), tuple(po1.pairs(6)))
        line_number = match_line(lines, item)
        if line_number is None:
            raise fail(ts, po1, 1, f"PO1 ({item.describe()}) matches no line of {number}")
        if line_number in answers:
            raise fail(ts, po1, 1, f"PO1 ({item.describe()}) answers line {line_number} of {number} a second time")
        accepted, reason = _line_answer(ts, po1, acks, ack_type)
        answers[line_number] = AckLine(line_number=line_number, accepted=accepted, reason=reason)
    for line in lines:  # lines the 855 does not list, when its type says what happens to them
        if line.line_number not in answers and (ack_type in ACCEPT_UNLISTED or ack_type in REJECT_ALL):
            accepted = line.quantity if ack_type in ACCEPT_UNLISTED else 0
            reason = "" if accepted else f"purchase order rejected (BAK02 {ack_type})"
            answers[line.line_number] = AckLine(line_number=line.line_number, accepted=accepted, reason=reason)
    if not answers:
        raise missing_segment(ts, "PO1", f"BAK02 {ack_type!r} needs the lines it answers")
    return Acknowledgment(
        po_number=number,
        lines=tuple(answers[key] for key in sorted(answers)),
        reference=bak.get(8).strip(),
    )
