"""Interchange, functional groups and transaction sets, rebuilt from segments and checked.

`read_interchange(text)` never raises for a wrong envelope: every problem is an `EdiIssue`
on the level it spoils (the interchange, a group, a set), so a caller can say exactly what is
wrong and still read what is right. Which problems stop a document is decided here, once
(see the package docstring for the reasons):

errors (the level is not applied)
    ISA13 != IEA02, IEA missing, GS06 != GE02, GE missing, ST02 != SE02, SE01 != the
    segments counted, SE missing, a duplicate ST02 in a group, a set outside a group,
    a segment outside a set, an unreadable segment id, no ISA/GS at all.
warnings (applied, reported in the 997 as "accepted with errors" and beside the file)
    GE01 or IEA01 counts that disagree with what the file holds, a GS01 functional id that
    does not match the sets' ST01, an ISA that is not 106 characters wide.
"""

from __future__ import annotations

from dataclasses import replace

from partners.edi.structure import FUNCTIONAL_IDS, FunctionalGroup, Interchange, TransactionSet
from partners.edi.syntax import ERROR, WARNING, EdiIssue, Segment, tokenize


def _count_issue(
    declared: str, actual: int, segment: Segment, what: str, set_code: str = "", group_code: str = ""
) -> EdiIssue | None:
    """A count element (SE01, GE01, IEA01) that disagrees with what was counted, or None."""
    if declared.isdigit() and int(declared) == actual:
        return None
    said = f"says {int(declared)}" if declared.isdigit() else f"is {declared!r}, not a number; expected"
    return EdiIssue(
        f"{segment.ref(1)} {said} {what}, the {_level(segment.id)} has {actual}",
        segment.id,
        segment.ref(1),
        segment.position,
        value=declared,
        set_code=set_code,
        group_code=group_code,
    )


def _level(segment_id: str) -> str:
    return {"SE": "set", "GE": "group", "IEA": "interchange"}[segment_id]


class _Builder:
    """Walks the segments once, opening and closing envelopes and recording what is wrong."""

    def __init__(self, interchange: Interchange) -> None:
        self.interchange = interchange
        self.group: FunctionalGroup | None = None
        self.set: TransactionSet | None = None
        self.closed = False

    def feed(self, segment: Segment) -> None:
        handler = getattr(self, f"_on_{segment.id.lower()}", None)
        if self.closed and segment.id != "ISA":
            self.interchange.issues.append(
                EdiIssue(f"{segment.id} after the IEA: one interchange per file", segment.id, position=segment.position)
            )
        elif handler is not None:
            handler(segment)
        elif self.set is not None:
            self.set.segments.append(segment)
        else:
            self.interchange.issues.append(
                EdiIssue(
                    f"{segment.id} is outside any transaction set (no ST before it)",
                    segment.id,
                    position=segment.position,
                )
            )

    def _on_isa(self, segment: Segment) -> None:
        if segment.position != 1:
            self.interchange.issues.append(
                EdiIssue("a second ISA: one interchange per file", "ISA", position=segment.position)
            )
            self.closed = True

    def _on_gs(self, segment: Segment) -> None:
        self._close_group(segment.id, segment.position)
        self.group = FunctionalGroup(gs=segment)
        self.interchange.groups.append(self.group)

    def _on_st(self, segment: Segment) -> None:
        self._close_set(segment.id, segment.position)
        if self.group is None:
            self.group = FunctionalGroup(gs=None)
            self.interchange.groups.append(self.group)
            self.group.issues.append(
                EdiIssue(
                    "ST is not inside a functional group (no GS before it)",
                    "GS",
                    position=segment.position,
                    group_code="6",
                )
            )
        ts = TransactionSet(segment.get(1), segment.get(2), [segment], self.interchange.delimiters)
        if any(other.control == ts.control for other in self.group.sets):
            ts.issues.append(
                EdiIssue(
                    f"ST02 {ts.control!r} is used twice in the group",
                    "ST",
                    "ST02",
                    segment.position,
                    set_position=1,
                    set_code="23",
                    value=ts.control,
                )
            )
        self.group.sets.append(ts)
        self.set = ts

    def _on_se(self, segment: Segment) -> None:
        ts = self.set
        if ts is None:
            self.interchange.issues.append(EdiIssue("SE without an ST before it", "SE", position=segment.position))
            return
        ts.segments.append(segment)
        issue = _count_issue(segment.get(1), len(ts.segments), segment, "segments (ST to SE)", set_code="4")
        if issue:
            ts.issues.append(issue)
        if segment.get(2) != ts.control:
            ts.issues.append(
                EdiIssue(
                    f"SE02 {segment.get(2)!r} does not match ST02 {ts.control!r}",
                    "SE",
                    "SE02",
                    segment.position,
                    set_code="3",
                    value=segment.get(2),
                )
            )
        self.set = None

    def _on_ge(self, segment: Segment) -> None:
        self._close_set(segment.id, segment.position)
        group = self.group
        if group is None or group.gs is None:
            self.interchange.issues.append(EdiIssue("GE without a GS before it", "GE", position=segment.position))
            return
        group.ge = segment
        issue = _count_issue(segment.get(1), len(group.sets), segment, "transaction sets", group_code="5")
        if issue:
            group.issues.append(replace(issue, severity=WARNING))
        if segment.get(2) != group.control:
            group.issues.append(
                EdiIssue(
                    f"GE02 {segment.get(2)!r} does not match GS06 {group.control!r}",
                    "GE",
                    "GE02",
                    segment.position,
                    group_code="4",
                    value=segment.get(2),
                )
            )
        self._check_functional_id(group)
        self.group = None

    def _on_iea(self, segment: Segment) -> None:
        self._close_group(segment.id, segment.position)
        interchange = self.interchange
        interchange.iea = segment
        issue = _count_issue(segment.get(1), len(interchange.groups), segment, "functional groups")
        if issue:
            interchange.issues.append(replace(issue, severity=WARNING))
        if segment.get(2).strip() != interchange.control:
            interchange.issues.append(
                EdiIssue(
                    f"IEA02 {segment.get(2)!r} does not match ISA13 {interchange.control!r}",
                    "IEA",
                    "IEA02",
                    segment.position,
                    value=segment.get(2),
                )
            )
        self.closed = True

    def _close_set(self, what: str, position: int) -> None:
        if self.set is not None:
            self.set.issues.append(
                EdiIssue(
                    f"ST*{self.set.code}*{self.set.control} (segment {self.set.st.position}) has no SE: "
                    f"{what} comes first",
                    "SE",
                    position=position,
                    set_code="2",
                )
            )
            self.set = None

    def _close_group(self, what: str, position: int) -> None:
        self._close_set(what, position)
        group = self.group
        if group is not None and group.gs is not None and group.ge is None:
            group.issues.append(
                EdiIssue(
                    f"the group GS06 {group.control!r} (segment {group.gs.position}) has no GE: {what} comes first",
                    "GE",
                    position=position,
                    group_code="3",
                )
            )
            self._check_functional_id(group)
        self.group = None

    def _check_functional_id(self, group: FunctionalGroup) -> None:
        assert group.gs is not None  # only called for groups opened by a GS
        for code in sorted({ts.code for ts in group.sets}):
            expected = FUNCTIONAL_IDS.get(code)
            if expected and group.functional_id != expected:
                group.issues.append(
                    EdiIssue(
                        f"GS01 is {group.functional_id!r} but the group holds {code} sets, which travel in "
                        f"{expected!r} groups; read by ST01",
                        "GS",
                        "GS01",
                        group.gs.position,
                        severity=WARNING,
                        value=group.functional_id,
                    )
                )

    def finish(self, segment_count: int) -> None:
        """Close what the file left open: a missing SE, GE or IEA means the file was cut short."""
        end = segment_count + 1
        self._close_group("the end of the file", end)
        if self.interchange.isa is not None and self.interchange.iea is None:
            self.interchange.issues.append(
                EdiIssue("the interchange has no IEA: the file is cut short", "IEA", position=end)
            )


def read_interchange(text: str) -> Interchange:
    """Parse `text` into an `Interchange` with every envelope issue recorded (see module docstring).

    Raises `X12SyntaxError` only when the text cannot be read as X12 at all.
    """
    tokens = tokenize(text)
    segments = tokens.segments
    isa = segments[0] if tokens.enveloped else None
    interchange = Interchange(tokens.delimiters, isa, issues=list(tokens.issues))
    if isa is None:
        interchange.issues.append(
            EdiIssue("the file has no ISA/GS envelope: no control numbers to acknowledge", "ISA", position=1)
        )
    builder = _Builder(interchange)
    for segment in segments:
        builder.feed(segment)
    builder.finish(len(segments))
    _attach_set_level_issues(interchange)
    return interchange


def _attach_set_level_issues(interchange: Interchange) -> None:
    """Move tokenizer issues that fall inside a set onto that set (with their position in the set)."""
    keep: list[EdiIssue] = []
    for issue in interchange.issues:
        owner = next(
            (
                ts
                for ts in interchange.sets
                if ts.segments and ts.st.position <= issue.position <= ts.segments[-1].position
            ),
            None,
        )
        if owner is not None and issue.segment_code:
            owner.issues.append(replace(issue, set_position=issue.position - owner.st.position + 1))
        else:
            keep.append(issue)
    interchange.issues = keep


__all__ = ["ERROR", "FUNCTIONAL_IDS", "FunctionalGroup", "Interchange", "TransactionSet", "read_interchange"]
