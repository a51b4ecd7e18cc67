"""Files we write: the 850 parses back with our own reader to the same lines and looks like the
published drop-ship 850; the 997 answers each received group with the right codes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from partners.edi import read_interchange
from partners.edi.ack997 import functional_ack_segments
from partners.edi.mappers import MappingError, acknowledgment_from_855, functional_ack_from_997, purchase_order_from_850
from partners.edi.writer import ControlNumbers, EnvelopeIds, interchange
from partners.edi.x850 import Po850, Po850Line, ShipTo, purchase_order_segments

SAMPLES = Path(__file__).resolve().parents[2] / "partners" / "samples"
NOW = datetime(2026, 3, 9, 14, 5, tzinfo=UTC)
IDS = EnvelopeIds("ZZ", "FULFILBACKOFF", "ZZ", "ACMEDROPSHIP")


def sample(name: str) -> str:
    return (SAMPLES / name).read_bytes().decode("utf-8")


PO = Po850(
    number="000042",
    ordered_on=date(2026, 3, 9),
    ship_to=ShipTo(
        name="Wile E* Coyote~",
        line1="111 Canyon Court",
        line2="Suite 4",
        city="Phoenix",
        region="AZ",
        postal_code="85001",
        phone="602-555-0100",
    ),
    lines=[
        Po850Line(1, 8, Decimal("400.00"), sku="ACM/8900-400", supplier_sku="VND1234567", description="Anvil"),
        Po850Line(2, 4, Decimal("12.50"), sku="ACM/1100-001", description="Detonator"),
    ],
    ship_by=date(2026, 3, 11),
    service_level="express",
    customer_reference="SHOP-1001",
)


FIRST = ControlNumbers(17, 23)


def write_850(control: ControlNumbers = FIRST) -> str:
    return interchange(
        functional_id="PO", sets=[("850", purchase_order_segments(PO))], ids=IDS, control=control, now=NOW
    )


def test_our_850_parses_back_to_the_same_lines_with_a_clean_envelope():
    text = write_850()
    received = read_interchange(text)
    assert received.all_issues() == []
    assert (received.control, received.groups[0].control, received.sets[0].control) == ("000000017", "23", "0001")
    assert received.groups[0].functional_id == "PO"
    po = purchase_order_from_850(received.sets[0])
    assert (po.number, po.purpose, po.order_type) == ("000042", "00", "DS")
    assert (po.ship_to_name, po.ship_to_postal_code) == ("Wile E Coyote", "85001")  # delimiters taken out
    assert [(line.line_id, line.quantity, line.unit_price) for line in po.lines] == [
        ("1", 8, Decimal("400.00")),
        ("2", 4, Decimal("12.50")),
    ]
    assert [line.item.ids for line in po.lines] == [
        (("VC", "VND1234567"), ("SK", "ACM/8900-400")),
        (("SK", "ACM/1100-001"),),
    ]


def test_our_850_envelope_is_fixed_width_and_counts_itself():
    lines = write_850().splitlines()
    assert len(lines[0]) == 106
    assert lines[0] == (
        "ISA*00*          *00*          *ZZ*FULFILBACKOFF  *ZZ*ACMEDROPSHIP   *260309*1405*^*00501*000000017*0*P*>~"
    )
    assert lines[1] == "GS*PO*FULFILBACKOFF*ACMEDROPSHIP*20260309*1405*23*X*005010~"
    assert lines[-3:] == [f"SE*{len(lines) - 4}*0001~", "GE*1*23~", "IEA*1*000000017~"]
    assert "DTM*038*20260311~" in lines
    assert "AMT*TT*3250~" in lines  # 8 x 400 + 4 x 12.50


def test_our_850_has_the_published_drop_ship_850_structure():
    ours = read_interchange(write_850()).sets[0]
    published = read_interchange(sample("x12_850_dropship_purchase_order.edi")).sets[0]
    ours_ids = [segment.id for segment in ours.segments]
    # Every kind of segment of the published PO (but its buyer contact PER) appears in ours, in the same order.
    published_order = list(dict.fromkeys(s.id for s in published.segments if s.id != "PER"))
    assert [segment_id for segment_id in dict.fromkeys(ours_ids) if segment_id in published_order] == published_order
    ours_beg, theirs_beg = (next(s for s in ts.segments if s.id == "BEG") for ts in (ours, published))
    assert (ours_beg.get(1), ours_beg.get(2)) == (theirs_beg.get(1), theirs_beg.get(2)) == ("00", "DS")
    ours_po1, theirs_po1 = (next(s for s in ts.segments if s.id == "PO1") for ts in (ours, published))
    assert [ours_po1.get(n) for n in (3, 6, 8)] == [theirs_po1.get(n) for n in (3, 6, 8)] == ["EA", "VC", "SK"]
    # And it reads with the same reader: the published lines are "item-1"/"item-2" with a zero-padded quantity.
    read = purchase_order_from_850(published)
    assert [(line.line_id, line.quantity, line.unit_price) for line in read.lines] == [
        ("item-1", 8, Decimal("400.00")),
        ("item-2", 4, Decimal("125.00")),
    ]


def test_each_850_gets_the_control_numbers_it_was_given():
    second = read_interchange(write_850(ControlNumbers(18, 24)))
    assert (second.control, second.groups[0].control) == ("000000018", "24")


def _997(text: str, set_issues=None) -> str:
    received = read_interchange(text)
    group = received.groups[0]
    return interchange(
        functional_id="FA",
        sets=[("997", functional_ack_segments(received, group, set_issues))],
        ids=IDS,
        control=ControlNumbers(5, 5),
        now=NOW,
    )


def _body(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("AK")]


def test_a_997_accepts_a_clean_group_and_reads_back():
    text = _997(sample("x12_855_dropship_po_acknowledgment.edi"))
    assert _body(text) == ["AK1*PR*000001746*005010~", "AK2*855*0001~", "AK5*A~", "AK9*A*1*1*1~"]
    ack = read_interchange(text)
    assert ack.all_issues() == []
    read = functional_ack_from_997(ack.sets[0])
    assert (read.functional_id, read.group_control, read.status, read.accepted) == ("PR", "000001746", "A", True)


def test_a_997_notes_the_856_count_error_but_accepts_its_set():
    assert _body(_997(sample("x12_856_ship_notice.edi"))) == [
        "AK1*IN*000000001~",  # a 4010 group: no AK103
        "AK2*856*0001~",
        "AK5*A~",
        "AK9*E*2*1*1*5~",  # GE01 said 2, one received, one accepted, code 5: count mismatch
    ]


def test_a_997_rejects_the_846_for_its_segment_count():
    assert _body(_997(sample("x12_846_dropship_inventory_advice.edi"))) == [
        "AK1*IB*39296045~",
        "AK2*846*39296214~",
        "AK5*R*4~",
        "AK9*R*1*1*0~",
    ]


def test_a_997_points_at_the_segment_and_element_a_mapper_refused():
    text = sample("x12_855_dropship_po_acknowledgment.edi")
    with pytest.raises(MappingError) as caught:
        acknowledgment_from_855(read_interchange(text).sets[0])  # "item-1" names none of our lines
    issue = caught.value.issue
    assert _body(_997(text, {"0001": [issue]})) == [
        "AK1*PR*000001746*005010~",
        "AK2*855*0001~",
        "AK3*PO1*10**8~",  # the PO1 is the 10th segment of the set
        "AK4*1**7*item-1~",  # its element 1 holds an invalid code value
        "AK5*R*5~",
        "AK9*R*1*1*0~",
    ]


def test_a_997_for_a_group_with_a_good_and_a_bad_set_is_partly_accepted():
    ack = sample("x12_855_dropship_po_acknowledgment.edi")
    start, end = ack.index("ST*855"), ack.index("GE*")
    second = ack[start:end].replace("*0001~", "*0002~").replace("SE*17*", "SE*99*")
    text = ack[:end] + second + ack[end:].replace("GE*1*", "GE*2*")
    body = _body(_997(text))
    assert body == [
        "AK1*PR*000001746*005010~",
        "AK2*855*0001~",
        "AK5*A~",
        "AK2*855*0002~",
        "AK5*R*4~",
        "AK9*P*2*2*1~",
    ]
    read = functional_ack_from_997(read_interchange(_997(text)).sets[0])
    assert [(s.control, s.status) for s in read.sets] == [("0001", "A"), ("0002", "R")]
    assert read.summary() == "group PR 000001746: partly accepted; 855 0001 accepted; 855 0002 rejected"
