"""Writing X12: segments with safe element values, and the ISA/GS/ST envelope with its counts.

The envelope is computed, never typed by hand: ST02 numbers the sets of the group, SE01
counts ST..SE, GE01 the sets, IEA01 the groups, and the trailers repeat the headers' control
numbers. The ISA is fixed width (106 characters, ids padded to 15).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from partners.edi.syntax import REPETITION_SINCE, Delimiters

DEFAULT_DELIMITERS = Delimiters(element="*", component=">", segment="~", repetition="^")
VERSION = "00501"  # ISA12
GROUP_VERSION = "005010"  # GS08
MAX_CONTROL = 999_999_999  # ISA13 is nine digits

Elements = Sequence[str]


@dataclass(frozen=True)
class EnvelopeIds:
    """Who sends and who receives: ISA05/06 and ISA07/08, also used as GS02/GS03.

    `version`/`group_version` (ISA12, GS08) default to 5010; a 997 answers in the version the
    partner wrote in, since a 4010-only translator may refuse a 5010 envelope.
    """

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    usage: str = "P"  # ISA15: P production, T test
    version: str = VERSION
    group_version: str = GROUP_VERSION


@dataclass(frozen=True)
class ControlNumbers:
    """The interchange (ISA13) and group (GS06) control numbers of one file we write."""

    interchange: int
    group: int


def clean(value: str, delimiters: Delimiters = DEFAULT_DELIMITERS, limit: int | None = None) -> str:
    """`value` safe to put in an element: delimiters and line breaks become spaces, cut at `limit`.

    A customer named "A*B" or an address with "~" must not end the element or the segment.
    """
    cleaned = "".join(" " if char in delimiters.specials() or char in "\r\n" else char for char in str(value))
    cleaned = " ".join(cleaned.split())
    return cleaned[:limit] if limit else cleaned


def decimal_text(value: Decimal) -> str:
    """An explicit-decimal (R) value without useless zeros: 400.00 -> "400", 12.50 -> "12.5"."""
    text = f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def segment(elements: Elements, delimiters: Delimiters = DEFAULT_DELIMITERS) -> str:
    """One segment: the id and its elements (trailing empty ones dropped) and the terminator."""
    values = list(elements)
    while len(values) > 1 and values[-1] == "":
        values.pop()
    return delimiters.element.join(values) + delimiters.segment


def isa(ids: EnvelopeIds, control: int, now: datetime, delimiters: Delimiters = DEFAULT_DELIMITERS) -> str:
    """The fixed-width ISA segment (106 characters with its terminator)."""
    fields = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        ids.sender_qualifier.ljust(2)[:2],
        ids.sender_id.ljust(15)[:15],
        ids.receiver_qualifier.ljust(2)[:2],
        ids.receiver_id.ljust(15)[:15],
        now.strftime("%y%m%d"),
        now.strftime("%H%M"),
        (delimiters.repetition or "U") if ids.version >= REPETITION_SINCE else "U",
        ids.version,
        f"{control:09d}",
        "0",
        ids.usage,
        delimiters.component,
    ]
    return delimiters.element.join(fields) + delimiters.segment


def interchange(
    *,
    functional_id: str,
    sets: Sequence[tuple[str, Sequence[Elements]]],
    ids: EnvelopeIds,
    control: ControlNumbers,
    now: datetime,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
) -> str:
    """A whole file: one ISA, one GS group of `functional_id` holding `sets`, GE and IEA.

    Each set is (ST01 code, body segments without ST/SE); ST02 is "0001", "0002", ... and
    SE01 is counted. Segments end with the terminator and a line break (readable, and
    accepted by every translator we know).
    """
    lines = [
        isa(ids, control.interchange, now, delimiters),
        segment(
            [
                "GS",
                functional_id,
                clean(ids.sender_id, delimiters),
                clean(ids.receiver_id, delimiters),
                now.strftime("%Y%m%d"),
                now.strftime("%H%M"),
                str(control.group),
                "X",
                ids.group_version,
            ],
            delimiters,
        ),
    ]
    for number, (code, body) in enumerate(sets, start=1):
        st02 = f"{number:04d}"
        lines.append(segment(["ST", code, st02], delimiters))
        lines += [segment(elements, delimiters) for elements in body]
        lines.append(segment(["SE", str(len(body) + 2), st02], delimiters))
    lines.append(segment(["GE", str(len(sets)), str(control.group)], delimiters))
    lines.append(segment(["IEA", "1", f"{control.interchange:09d}"], delimiters))
    return "\n".join(lines) + "\n"
