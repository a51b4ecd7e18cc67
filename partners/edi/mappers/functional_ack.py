"""997 functional acknowledgment received from a partner (the answer to our 850s).

It says whether a group we sent was accepted (AK9) and, per set, whether each was (AK5).
It is recorded on the document trail; it changes no purchase order.
"""

from __future__ import annotations

from dataclasses import dataclass

from partners.edi.envelope import TransactionSet
from partners.edi.mappers.common import missing_segment, required

STATUS_WORDS = {"A": "accepted", "E": "accepted with errors", "P": "partly accepted", "R": "rejected"}


@dataclass(frozen=True)
class SetAck:
    """AK2/AK5: one of our sets (ST01, ST02) and what the partner said of it."""

    code: str
    control: str
    status: str
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class FunctionalAckReceived:
    """AK1/AK9: which of our groups (GS01, GS06) this answers, its status, and each set's."""

    functional_id: str
    group_control: str
    status: str
    sets: tuple[SetAck, ...]

    @property
    def accepted(self) -> bool:
        """True when the group was accepted, with or without noted errors."""
        return self.status in ("A", "E")

    def summary(self) -> str:
        """e.g. "group PO 17: rejected; 850 0001 rejected (AK3 PO1 at 12: 8)"."""
        parts = [f"group {self.functional_id} {self.group_control}: {STATUS_WORDS.get(self.status, self.status)}"]
        for ack in self.sets:
            detail = f" ({'; '.join(ack.errors)})" if ack.errors else ""
            parts.append(f"{ack.code} {ack.control} {STATUS_WORDS.get(ack.status, ack.status)}{detail}")
        return "; ".join(parts)


def functional_ack_from_997(ts: TransactionSet) -> FunctionalAckReceived:
    """Read a received 997; `MappingError` when AK1 or AK9 is missing."""
    ak1 = next((segment for segment in ts.body if segment.id == "AK1"), None)
    ak9 = next((segment for segment in ts.body if segment.id == "AK9"), None)
    if ak1 is None:
        raise missing_segment(ts, "AK1", "a 997 names the group it answers in AK1")
    if ak9 is None:
        raise missing_segment(ts, "AK9", "a 997 ends with AK9 (the group's status)")
    sets: list[SetAck] = []
    current: tuple[str, str] | None = None
    errors: list[str] = []
    for segment in ts.body:
        if segment.id == "AK2":
            current, errors = (segment.get(1), segment.get(2)), []
        elif segment.id in ("AK3", "IK3") and current:
            errors.append(f"{segment.id} {segment.get(1)} at {segment.get(2)}: {segment.get(4)}".rstrip(": "))
        elif segment.id in ("AK4", "IK4") and current:
            errors.append(f"{segment.id} element {segment.get(1)}: {segment.get(3)} {segment.get(4)}".strip())
        elif segment.id in ("AK5", "IK5") and current:
            sets.append(SetAck(current[0], current[1], required(ts, segment, 1, "set status"), tuple(errors)))
            current = None
    return FunctionalAckReceived(
        functional_id=required(ts, ak1, 1, "functional identifier"),
        group_control=required(ts, ak1, 2, "group control number"),
        status=required(ts, ak9, 1, "group status"),
        sets=tuple(sets),
    )
