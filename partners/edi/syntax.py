"""X12 syntax: delimiters read from the ISA, segments split out of the text, and the issue type.

Nothing here knows what a purchase order is: it turns a file into numbered segments and says
precisely (segment, element, position) what it could not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

ERROR: Final = "error"
WARNING: Final = "warning"

BOM: Final = "\ufeff"
ISA_LENGTH: Final = 106  # the fixed width of an ISA, terminator included
ISA_ELEMENTS: Final = 16
# ISA11 became the repetition separator in version 00402; before, it is the standards id ("U").
REPETITION_SINCE: Final = "00402"
SEGMENT_ID: Final = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")


@dataclass(frozen=True)
class Delimiters:
    """The four separators of an interchange (the defaults are what we write)."""

    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str | None = "^"

    def specials(self) -> str:
        """Every character that cannot appear inside an element value."""
        return self.element + self.component + self.segment + (self.repetition or "")


@dataclass(frozen=True)
class EdiIssue:
    """One thing wrong (or only odd) in a file, located precisely enough to fix it.

    `position` is the segment's number in the file (1 = the first segment); `set_position` its
    number inside its transaction set (ST = 1), which is what a 997 AK3 reports. The `*_code`
    fields are the 997 codes for the level the issue belongs to: `set_code` AK502 (the set is
    rejected for an envelope reason), `group_code` AK905, `segment_code` AK304 and
    `element_code` AK403 (a segment or element inside the set is wrong).
    """

    message: str
    segment_id: str = ""
    element: str = ""
    position: int = 0
    set_position: int = 0
    severity: str = ERROR
    set_code: str = ""
    group_code: str = ""
    segment_code: str = ""
    element_code: str = ""
    value: str = ""

    @property
    def is_error(self) -> bool:
        """True when the issue stops the document from being applied (a warning does not)."""
        return self.severity == ERROR

    def __str__(self) -> str:
        where = self.element or self.segment_id
        at = f" (segment {self.position})" if self.position else ""
        prefix = f"{where}{at}: " if where else ""
        return f"{prefix}{self.message}"


class X12SyntaxError(Exception):
    """The file cannot be read as X12 at all (no ISA, a cut ISA, no segment terminator)."""

    def __init__(self, issue: EdiIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue


@dataclass(frozen=True)
class Segment:
    """One segment: its id, its elements (element 1 is `elements[0]`) and where it stood."""

    id: str
    elements: tuple[str, ...]
    position: int
    raw: str = field(default="", compare=False)

    def get(self, number: int) -> str:
        """Element `number` (1-based, as in "BAK03"), or "" when the segment stops before it."""
        if number < 1 or number > len(self.elements):
            return ""
        return self.elements[number - 1]

    def ref(self, number: int) -> str:
        """The element's reference designator, e.g. `ref(3)` of a BAK is "BAK03"."""
        return f"{self.id}{number:02d}"

    def pairs(self, start: int) -> list[tuple[str, str]]:
        """Qualifier/value pairs from element `start` on (PO106/PO107, LIN02/LIN03, ...)."""
        found = []
        for number in range(start, len(self.elements), 2):
            qualifier, value = self.get(number), self.get(number + 1)
            if qualifier:
                found.append((qualifier, value))
        return found


@dataclass(frozen=True)
class Tokens:
    """A file split into segments, with the delimiters it declared."""

    delimiters: Delimiters
    segments: tuple[Segment, ...]
    issues: tuple[EdiIssue, ...] = ()
    enveloped: bool = True


def delimiters_from_isa(text: str) -> tuple[Delimiters, int, list[EdiIssue]]:
    """Read the delimiters from the ISA at the start of `text`; return them, the ISA's length, issues.

    The element separator is the 4th character; ISA16 (the component separator) is the
    character after the 16th element separator and the segment terminator the one after it.
    Counting separators instead of trusting column 105 also reads an ISA whose fixed-width
    fields were not padded (a warning, not an error: every delimiter is still unambiguous).
    """
    issues: list[EdiIssue] = []
    if len(text) < 4:
        raise X12SyntaxError(EdiIssue("the file is too short to hold an ISA segment", "ISA", position=1))
    element = text[3]
    if element.isalnum() or element.isspace():
        raise X12SyntaxError(
            EdiIssue(f"the 4th character {element!r} cannot be an element separator", "ISA", position=1)
        )
    seen, index = 0, 3
    while seen < ISA_ELEMENTS - 1:
        index = text.find(element, index + 1)
        if index < 0:
            raise X12SyntaxError(
                EdiIssue(
                    f"the ISA is cut short: {seen + 1} of its 16 elements found",
                    "ISA",
                    element=f"ISA{seen + 2:02d}",
                    position=1,
                )
            )
        seen += 1
    if len(text) < index + 3:
        raise X12SyntaxError(EdiIssue("the ISA ends before its segment terminator", "ISA", "ISA16", position=1))
    component, segment = text[index + 1], text[index + 2]
    length = index + 3
    if segment.isalnum() or segment in (element, component):
        raise X12SyntaxError(
            EdiIssue(f"{segment!r} after ISA16 cannot be a segment terminator", "ISA", "ISA16", position=1)
        )
    if length != ISA_LENGTH:
        issues.append(
            EdiIssue(
                f"the ISA is {length} characters long, not the fixed {ISA_LENGTH}; delimiters read anyway",
                "ISA",
                position=1,
                severity=WARNING,
            )
        )
    fields = text[:length].split(element)
    version, isa11 = fields[12], fields[11]
    repetition = isa11 if version >= REPETITION_SINCE and not isa11.isalnum() else None
    return Delimiters(element, component, segment, repetition), length, issues


def _bare_delimiters(text: str) -> Delimiters:
    """Delimiters of a transaction set sent without ISA (as the X12 810 example is published)."""
    element = text[2]
    segment = "~" if "~" in text else "\n"
    return Delimiters(element=element, component=">", segment=segment, repetition=None)


def tokenize(text: str) -> Tokens:
    """Split `text` into segments using the delimiters its ISA declares.

    Tolerates a UTF-8 byte order mark, whitespace before the ISA, and a line break (LF or
    CR LF) after each segment terminator. A text that starts with ST instead of ISA is read
    with "~" (or a line break) between segments and marked `enveloped=False`: the envelope
    checks then report the missing ISA/GS. Anything else raises `X12SyntaxError`.
    """
    text = text.lstrip(BOM).lstrip()
    issues: list[EdiIssue] = []
    if text.startswith("ISA"):
        delimiters, _length, issues = delimiters_from_isa(text)
        enveloped = True
    elif re.match(r"ST[^A-Za-z0-9\s]", text):
        delimiters, enveloped = _bare_delimiters(text), False
    else:
        found = text[:3] or "nothing"
        raise X12SyntaxError(EdiIssue(f"the file must start with ISA, it starts with {found!r}", position=1))
    if delimiters.segment not in text:
        raise X12SyntaxError(EdiIssue(f"no segment terminator {delimiters.segment!r} in the file", position=1))
    segments: list[Segment] = []
    pieces = text.split(delimiters.segment)
    for number, piece in enumerate(pieces, start=1):
        body = piece.strip("\r\n") if delimiters.segment != "\n" else piece.strip("\r")
        if not body.strip():
            if number < len(pieces):  # an empty segment in the middle, not the file's trailing newline
                issues.append(EdiIssue("an empty segment (two terminators in a row)", position=len(segments) + 1))
            continue
        parts = body.split(delimiters.element)
        position = len(segments) + 1
        if not SEGMENT_ID.match(parts[0]):
            issues.append(
                EdiIssue(
                    f"{parts[0][:12]!r} is not a segment id",
                    parts[0][:3],
                    position=position,
                    segment_code="1",
                )
            )
        segments.append(Segment(parts[0], tuple(parts[1:]), position, raw=body))
    return Tokens(delimiters, tuple(segments), tuple(issues), enveloped)


def segment_text(segment: Segment, delimiters: Delimiters) -> str:
    """The segment written back with `delimiters` (its terminator included)."""
    return delimiters.element.join((segment.id, *segment.elements)) + delimiters.segment
