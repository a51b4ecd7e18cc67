"""Reading X12 files: delimiters from the ISA, BOM and line-break variants, and every envelope error
reported with its segment and element (and whether it stops the document)."""

from __future__ import annotations

from pathlib import Path

import pytest

from partners.edi import X12SyntaxError, read_interchange, tokenize
from partners.edi.syntax import ERROR, WARNING

SAMPLES = Path(__file__).resolve().parents[2] / "partners" / "samples"


def sample(name: str) -> str:
    return (SAMPLES / name).read_bytes().decode("utf-8")


ACK_855 = sample("x12_855_dropship_po_acknowledgment.edi")


def issues_of(text: str) -> list[tuple[str, str, str]]:
    interchange = read_interchange(text)
    return [(issue.severity, issue.element or issue.segment_id, issue.message) for issue in interchange.all_issues()]


def test_delimiters_come_from_the_isa_of_each_published_file():
    ack = tokenize(ACK_855)
    assert (ack.delimiters.element, ack.delimiters.component, ack.delimiters.segment) == ("*", ">", "~")
    assert ack.delimiters.repetition == "^"  # 5010 ISA11
    po = tokenize(sample("x12_850_dropship_purchase_order.edi"))
    assert po.delimiters.repetition is None  # ISA11 "U" is the standards id, not a separator
    feed = tokenize(sample("x12_846_dropship_inventory_advice.edi"))
    assert [segment.id for segment in feed.segments[:4]] == ["ISA", "GS", "ST", "BIA"]
    assert len(feed.segments) == 41  # one line, no newlines


def test_the_published_855_and_850_have_clean_envelopes():
    ack = read_interchange(ACK_855)
    assert ack.all_issues() == []
    assert (ack.control, ack.groups[0].control, ack.sets[0].control) == ("000001746", "000001746", "0001")
    assert ack.sender == ("14", "ANOTHERMERCH")
    assert [segment.id for segment in ack.sets[0].body][:2] == ["BAK", "REF"]
    po = read_interchange(sample("x12_850_dropship_purchase_order.edi"))
    assert [(issue.severity, issue.element) for issue in po.all_issues()] == [(WARNING, "GS01")]


def test_the_published_856_is_read_through_its_bom_with_its_envelope_mistakes_as_warnings():
    raw = (SAMPLES / "x12_856_ship_notice.edi").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    interchange = read_interchange(raw.decode("utf-8"))
    assert issues_of(raw.decode("utf-8")) == [
        (WARNING, "GE01", "GE01 says 2 transaction sets, the group has 1"),
        (WARNING, "GS01", "GS01 is 'IN' but the group holds 856 sets, which travel in 'SH' groups; read by ST01"),
    ]
    ge01 = interchange.groups[0].issues[0]
    assert (ge01.segment_id, ge01.position, ge01.group_code) == ("GE", 47, "5")
    group = interchange.groups[0]
    assert interchange.blocking_issues(group, group.sets[0]) == []  # applied
    assert len(group.sets[0].segments) == 44


def test_the_published_846_is_refused_for_its_segment_count():
    interchange = read_interchange(sample("x12_846_dropship_inventory_advice.edi"))
    ts = interchange.sets[0]
    (issue,) = ts.issues
    assert str(issue) == "SE01 (segment 39): SE01 says 22213 segments (ST to SE), the set has 37"
    assert (issue.severity, issue.set_code, issue.value) == (ERROR, "4", "22213")
    assert interchange.blocking_issues(interchange.groups[0], ts) == [issue]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "IEA*1*000001746~",
            "IEA*1*000001747~",
            (ERROR, "IEA02", "IEA02 '000001747' does not match ISA13 '000001746'"),
        ),
        (
            "IEA*1*000001746~",
            "IEA*2*000001746~",
            (WARNING, "IEA01", "IEA01 says 2 functional groups, the interchange has 1"),
        ),
        ("GE*1*000001746~", "GE*1*000001799~", (ERROR, "GE02", "GE02 '000001799' does not match GS06 '000001746'")),
        (
            "GE*1*000001746~",
            "GE*X*000001746~",
            (WARNING, "GE01", "GE01 is 'X', not a number; expected transaction sets, the group has 1"),
        ),
        ("SE*17*0001~", "SE*17*0002~", (ERROR, "SE02", "SE02 '0002' does not match ST02 '0001'")),
        ("SE*17*0001~", "SE*16*0001~", (ERROR, "SE01", "SE01 says 16 segments (ST to SE), the set has 17")),
        ("CTT*2~\nSE*17*0001~\n", "CTT*2~\n", (ERROR, "SE", "ST*855*0001 (segment 3) has no SE: GE comes first")),
        (
            "GE*1*000001746~\n",
            "",
            (ERROR, "GE", "the group GS06 '000001746' (segment 2) has no GE: IEA comes first"),
        ),
        ("\nIEA*1*000001746~", "", (ERROR, "IEA", "the interchange has no IEA: the file is cut short")),
        ("N3*123 Main Street~", "N3*123 Main Street~~", (ERROR, "", "an empty segment (two terminators in a row)")),
    ],
)
def test_each_envelope_error_names_its_segment_and_element(old, new, expected):
    assert old in ACK_855
    assert expected in issues_of(ACK_855.replace(old, new))


def test_an_unreadable_segment_id_is_placed_inside_its_set_for_the_997():
    interchange = read_interchange(ACK_855.replace("N3*123 Main Street~", "n 3*123 Main Street~"))
    (issue,) = interchange.sets[0].issues
    assert (issue.message, issue.position, issue.set_position, issue.segment_code) == (
        "'n 3' is not a segment id",
        7,
        5,
        "1",
    )


def test_a_segment_outside_any_set_and_a_set_outside_any_group_are_errors():
    stray = ACK_855.replace("GE*1*000001746~", "REF*ZZ*stray~\nGE*1*000001746~")
    assert (ERROR, "REF", "REF is outside any transaction set (no ST before it)") in issues_of(stray)
    no_gs = "\n".join(line for line in ACK_855.split("\n") if not line.startswith(("GS*", "GE*")))
    assert (ERROR, "GS", "ST is not inside a functional group (no GS before it)") in issues_of(no_gs)


def _two_sets(second_control: str) -> str:
    start, end = ACK_855.index("ST*855"), ACK_855.index("GE*")
    second = ACK_855[start:end].replace("*0001~", f"*{second_control}~")
    return ACK_855[:end] + second + ACK_855[end:].replace("GE*1*", "GE*2*")


def test_a_group_may_hold_several_sets_and_each_control_number_once():
    interchange = read_interchange(_two_sets("0002"))
    assert [ts.control for ts in interchange.sets] == ["0001", "0002"]
    assert interchange.all_issues() == []
    duplicate = read_interchange(_two_sets("0001"))
    (issue,) = duplicate.sets[1].issues
    assert (issue.element, issue.message, issue.set_code) == ("ST02", "ST02 '0001' is used twice in the group", "23")
    assert duplicate.sets[0].issues == []


def test_bom_no_newline_crlf_and_other_delimiters_read_the_same_segments():
    expected = [(segment.id, segment.elements) for segment in tokenize(ACK_855).segments]
    variants = [
        "\ufeff" + ACK_855,
        ACK_855.replace("~\n", "~"),
        ACK_855.replace("~\n", "~\r\n") + "\r\n",
    ]
    for text in variants:
        assert [(segment.id, segment.elements) for segment in tokenize(text).segments] == expected
    # "|" between elements, ":" between components, a line break as the segment terminator.
    other = ACK_855.replace("~\n", "\n").replace("~", "\n").replace("*", "|").replace(">\n", ":\n", 1)
    tokens = tokenize(other)
    assert (tokens.delimiters.element, tokens.delimiters.component, tokens.delimiters.segment) == ("|", ":", "\n")
    assert [(segment.id, segment.elements) for segment in tokens.segments][1:] == expected[1:]
    assert read_interchange(other).all_issues() == []


def test_an_isa_that_is_not_fixed_width_is_read_with_a_warning():
    text = ACK_855.replace("ANOTHERMERCH   ", "ANOTHERMERCH", 1)
    interchange = read_interchange(text)
    assert interchange.sender == ("14", "ANOTHERMERCH")
    assert [(issue.severity, issue.message) for issue in interchange.all_issues()] == [
        (WARNING, "the ISA is 103 characters long, not the fixed 106; delimiters read anyway")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file must start with ISA, it starts with 'nothing'"),
        ("ISA", "ISA (segment 1): the file is too short to hold an ISA segment"),
        ("hello world", "the file must start with ISA, it starts with 'hel'"),
        ("ISA*00*          *00*   ", "ISA05 (segment 1): the ISA is cut short: 4 of its 16 elements found"),
        (ACK_855[:105], "ISA16 (segment 1): the ISA ends before its segment terminator"),
        (ACK_855[:104] + "*A", "ISA16 (segment 1): 'A' after ISA16 cannot be a segment terminator"),
    ],
)
def test_a_file_that_is_not_x12_raises_with_what_is_wrong(text, message):
    with pytest.raises(X12SyntaxError) as caught:
        read_interchange(text)
    assert message in str(caught.value)


def test_a_set_without_envelope_is_parsed_but_marked():
    interchange = read_interchange(sample("x12_810_invoice.edi"))
    assert interchange.isa is None
    assert [ts.code for ts in interchange.sets] == ["810"]
    assert interchange.sets[0].issues == []
    assert (ERROR, "ISA", "the file has no ISA/GS envelope: no control numbers to acknowledge") in issues_of(
        sample("x12_810_invoice.edi")
    )
