"""The 997 functional acknowledgment we send for each group we receive (no database here).

AK1 names the group (GS01, GS06, and GS08 for 5010 groups); per set, AK2 names it, AK3/AK4
point at a bad segment and element, and AK5 says A (accepted), E (accepted, errors noted)
or R (rejected) with the envelope reason codes; AK9 sums the group up: A, E, P (partly) or R,
with the counts declared (GE01), received and accepted, and the group-level codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from partners.edi.envelope import FunctionalGroup, Interchange, TransactionSet
from partners.edi.syntax import EdiIssue
from partners.edi.writer import Elements, clean

MAX_AK5_CODES = 5  # AK502..AK506
MAX_AK9_CODES = 5  # AK905..AK909


def _set_status(interchange: Interchange, group: FunctionalGroup, ts: TransactionSet, extra: Sequence[EdiIssue]) -> str:
    if interchange.blocking_issues(group, ts) or any(issue.is_error for issue in extra):
        return "R"
    if any(not issue.is_error for issue in [*ts.issues, *extra]):
        return "E"
    return "A"


def _set_segments(ts: TransactionSet, status: str, issues: Sequence[EdiIssue]) -> list[Elements]:
    body: list[Elements] = [["AK2", clean(ts.code, limit=3), clean(ts.control, limit=9)]]
    codes: list[str] = []
    for issue in issues:
        if issue.segment_code and issue.set_position:
            body.append(["AK3", clean(issue.segment_id, limit=3), str(issue.set_position), "", issue.segment_code])
            if issue.element and issue.element_code:
                body.append(["AK4", str(int(issue.element[-2:])), "", issue.element_code, clean(issue.value, limit=99)])
            codes.append("5")  # one or more segments in error
        elif issue.set_code:
            codes.append(issue.set_code)
    unique = list(dict.fromkeys(codes))[:MAX_AK5_CODES]
    body.append(["AK5", status, *unique])
    return body


def functional_ack_segments(
    interchange: Interchange,
    group: FunctionalGroup,
    set_issues: Mapping[str, Sequence[EdiIssue]] | None = None,
) -> list[Elements]:
    """The 997 body for `group` (AK1 to AK9), ST and SE left to the envelope.

    `set_issues` adds, per ST02, what the mappers found wrong inside a set whose envelope
    was fine (a missing PO number, an unknown line), so it is rejected with AK3/AK4 too.
    """
    set_issues = set_issues or {}
    body: list[Elements] = [
        ["AK1", clean(group.functional_id, limit=2), clean(group.control, limit=9)]
        + ([clean(group.version, limit=12)] if group.version >= "005010" else [])
    ]
    accepted = 0
    any_noted = bool([issue for issue in group.issues if not issue.is_error])
    for ts in group.sets:
        extra = list(set_issues.get(ts.control, ()))
        status = _set_status(interchange, group, ts, extra)
        accepted += status in ("A", "E")
        any_noted = any_noted or status == "E"
        body += _set_segments(ts, status, [*ts.issues, *extra])
    received = len(group.sets)
    declared = group.declared_sets if group.declared_sets is not None else received
    group_codes = list(dict.fromkeys(issue.group_code for issue in group.issues if issue.group_code))
    if accepted == received and received and not interchange.blocking_issues(group):
        status = "E" if any_noted or group_codes else "A"
    elif accepted:
        status = "P"
    else:
        status = "R"
    body.append(["AK9", status, str(declared), str(received), str(accepted), *group_codes[:MAX_AK9_CODES]])
    return body
