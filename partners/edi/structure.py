"""The three envelopes as data: an interchange (ISA..IEA) of functional groups (GS..GE) of
transaction sets (ST..SE), each with the issues found on its level (see `envelope.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from partners.edi.syntax import Delimiters, EdiIssue, Segment, segment_text

# GS01 functional identifier expected for each transaction set we exchange.
FUNCTIONAL_IDS: dict[str, str] = {
    "850": "PO",
    "855": "PR",
    "856": "SH",
    "810": "IN",
    "846": "IB",
    "997": "FA",
}


@dataclass
class TransactionSet:
    """ST..SE: the code (ST01), control number (ST02), its segments and what is wrong with it."""

    code: str
    control: str
    segments: list[Segment]
    delimiters: Delimiters
    issues: list[EdiIssue] = field(default_factory=list)

    @property
    def body(self) -> list[Segment]:
        """The segments between ST and SE."""
        end = -1 if self.segments and self.segments[-1].id == "SE" else len(self.segments)
        return self.segments[1:end]

    @property
    def st(self) -> Segment:
        """The ST segment."""
        return self.segments[0]

    def text(self) -> str:
        """The set as it was received (ST to SE), one segment a line: the document's raw text."""
        return "\n".join(segment_text(segment, self.delimiters) for segment in self.segments) + "\n"

    def position_in_set(self, segment: Segment) -> int:
        """The segment's number counted from ST = 1 (what a 997 AK302 reports)."""
        return segment.position - self.st.position + 1


@dataclass
class FunctionalGroup:
    """GS..GE: sender/receiver application codes, control number (GS06) and the sets inside."""

    gs: Segment | None
    sets: list[TransactionSet] = field(default_factory=list)
    ge: Segment | None = None
    issues: list[EdiIssue] = field(default_factory=list)

    @property
    def functional_id(self) -> str:
        """GS01 (e.g. "SH"), or "" for sets sent without a GS."""
        return self.gs.get(1) if self.gs else ""

    @property
    def control(self) -> str:
        """GS06, the group control number."""
        return self.gs.get(6) if self.gs else ""

    @property
    def version(self) -> str:
        """GS08, e.g. "005010" or "004010"."""
        return self.gs.get(8) if self.gs else ""

    @property
    def declared_sets(self) -> int | None:
        """GE01 as a number, or None when missing or not numeric."""
        value = self.ge.get(1) if self.ge else ""
        return int(value) if value.isdigit() else None


@dataclass
class Interchange:
    """ISA..IEA: the delimiters, the parties, the control number and the groups."""

    delimiters: Delimiters
    isa: Segment | None
    groups: list[FunctionalGroup] = field(default_factory=list)
    iea: Segment | None = None
    issues: list[EdiIssue] = field(default_factory=list)

    def isa_value(self, number: int) -> str:
        """ISA element `number`, stripped of its fixed-width padding."""
        return self.isa.get(number).strip() if self.isa else ""

    @property
    def control(self) -> str:
        """ISA13, the interchange control number."""
        return self.isa_value(13)

    @property
    def sender(self) -> tuple[str, str]:
        """(ISA05 qualifier, ISA06 id) of whoever sent the file."""
        return self.isa_value(5), self.isa_value(6)

    @property
    def receiver(self) -> tuple[str, str]:
        """(ISA07 qualifier, ISA08 id): us, when the file came from a partner."""
        return self.isa_value(7), self.isa_value(8)

    @property
    def sets(self) -> list[TransactionSet]:
        """Every transaction set, in file order."""
        return [ts for group in self.groups for ts in group.sets]

    def all_issues(self) -> list[EdiIssue]:
        """Every issue of the file, interchange first, then each group and its sets."""
        found = list(self.issues)
        for group in self.groups:
            found += group.issues
            for ts in group.sets:
                found += ts.issues
        return found

    def blocking_issues(self, group: FunctionalGroup, ts: TransactionSet | None = None) -> list[EdiIssue]:
        """The errors that stop `ts` (or the whole `group`): its own, its group's, the interchange's."""
        levels = [*self.issues, *group.issues, *(ts.issues if ts else [])]
        return [issue for issue in levels if issue.is_error]
