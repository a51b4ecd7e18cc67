"""Each published document maps to the right dataclass values; what cannot be mapped names its segment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from partners.documents import AckLine, InventoryRow, InvoiceLineInput, ShipLine
from partners.edi import read_interchange
from partners.edi.envelope import TransactionSet
from partners.edi.mappers import (
    MappingError,
    PoLineKey,
    acknowledgment_from_855,
    inventory_feed_from_846,
    invoice_from_810,
    po_number,
    ship_notices_from_856,
)

SAMPLES = Path(__file__).resolve().parents[2] / "partners" / "samples"


def sample(name: str) -> str:
    return (SAMPLES / name).read_bytes().decode("utf-8")


def first_set(text: str) -> TransactionSet:
    return read_interchange(text).sets[0]


class Catalog:
    """PO lines by PO number, as the database catalog would give them."""

    def __init__(self, lines: dict[str, Sequence[PoLineKey]]) -> None:
        self._lines = lines

    def lines(self, po_number: str) -> Sequence[PoLineKey]:
        return self._lines.get(po_number, ())


ACK_855 = sample("x12_855_dropship_po_acknowledgment.edi")
STEDI_PO = Catalog(
    {
        "PO-365465413": (
            PoLineKey(1, 8, sku="ACM/8900-400", supplier_sku="VND1234567"),
            PoLineKey(2, 4, sku="ACM/1100-001", supplier_sku="VND000111222"),
        )
    }
)


@pytest.mark.parametrize(
    ("sent", "ours"), [("000042", "PO-000042"), ("42", "PO-000042"), ("PO-000042", "PO-000042"), ("po-42", "PO-000042")]
)
def test_po_numbers_come_back_in_any_of_the_forms_we_accept(sent, ours):
    assert po_number(sent) == ours


def test_the_published_855_accepts_both_lines_matched_by_sku():
    ack = acknowledgment_from_855(first_set(ACK_855), STEDI_PO)
    assert ack.po_number == "PO-365465413"
    assert ack.lines == (AckLine(1, accepted=8), AckLine(2, accepted=4))


def test_the_855_lines_match_by_the_supplier_code_when_our_sku_is_absent():
    text = ACK_855.replace("*SK*ACM/8900-400", "").replace("*SK*ACM/1100-001", "")
    ack = acknowledgment_from_855(first_set(text), STEDI_PO)
    assert [line.line_number for line in ack.lines] == [1, 2]


def test_an_855_line_that_names_no_line_of_the_po_is_refused_with_its_segment():
    with pytest.raises(MappingError) as caught:
        acknowledgment_from_855(first_set(ACK_855))  # no catalog: "item-1" is not one of our line numbers
    issue = caught.value.issue
    assert str(issue) == (
        "PO101 (segment 12): PO1 (line 'item-1', VC VND1234567, SK ACM/8900-400) matches no line of PO-365465413"
    )
    assert (issue.set_position, issue.segment_code, issue.element_code) == (10, "8", "7")


def test_an_855_split_line_and_a_backorder_reject_units_with_the_reason():
    text = (
        ACK_855.replace("BAK*00*AD*365465413", "BAK*00*AC*000042")
        .replace("PO1*item-1*8*EA*400**VC*VND1234567*SK*ACM/8900-400", "PO1*1*8*EA*400")
        .replace("ACK*IA*8*EA~", "ACK*IA*6*EA~\nACK*IR*2*EA~")
        .replace("PO1*item-2*4*EA*125**VC*VND000111222*SK*ACM/1100-001", "PO1*2*4*EA*125")
        .replace("ACK*IA*4*EA~", "ACK*IB*4*EA~")
        .replace("SE*17*", "SE*18*")
    )
    ack = acknowledgment_from_855(first_set(text))
    assert ack.po_number == "PO-000042"
    assert ack.lines == (
        AckLine(1, accepted=6, reason="2 rejected (IR)"),
        AckLine(2, accepted=0, reason="4 backordered (IB)"),
    )


def test_an_855_with_an_unknown_status_code_is_refused_at_ack01():
    with pytest.raises(MappingError) as caught:
        acknowledgment_from_855(first_set(ACK_855.replace("ACK*IA*4*EA", "ACK*XX*4*EA")), STEDI_PO)
    issue = caught.value.issue
    assert (issue.element, issue.value, issue.element_code) == ("ACK01", "XX", "7")
    assert "ACK01 'XX' is not a line item status code" in issue.message


def test_an_855_rejecting_the_whole_po_without_detail_rejects_every_line():
    start, end = ACK_855.index("PO1*item-1"), ACK_855.index("CTT*")
    text = (ACK_855[:start] + ACK_855[end:]).replace("BAK*00*AD*", "BAK*00*RJ*").replace("SE*17*", "SE*11*")
    ack = acknowledgment_from_855(first_set(text), STEDI_PO)
    assert [(line.line_number, line.accepted) for line in ack.lines] == [(1, 0), (2, 0)]
    assert ack.lines[0].reason == "purchase order rejected (BAK02 RJ)"


def test_an_855_without_a_po_number_is_refused_at_bak03():
    with pytest.raises(MappingError) as caught:
        acknowledgment_from_855(first_set(ACK_855.replace("BAK*00*AD*365465413*", "BAK*00*AD**")), STEDI_PO)
    assert str(caught.value.issue) == "BAK03 (segment 4): BAK03 (purchase order number) is missing"
    assert caught.value.issue.element_code == "1"


SHIP_856 = sample("x12_856_ship_notice.edi")
WALMART_POS = Catalog(
    {
        number: (
            PoLineKey(1, 4, sku="TOY-1", barcode="008815509183"),
            PoLineKey(2, 9, sku="TOY-2", barcode="00008815547321"),  # GTIN-14 of the UPC the 856 sends
        )
        for number in ("PO-9988776655", "PO-2288115555")
    }
)


def test_the_published_856_gives_one_ship_notice_per_order_with_carrier_and_tracking():
    warnings: list[str] = []
    notices = ship_notices_from_856(first_set(SHIP_856), WALMART_POS, warnings)
    assert [notice.po_number for notice in notices] == ["PO-9988776655", "PO-2288115555"]
    for notice in notices:
        assert notice.reference == "01140824"
        assert notice.lines == (ShipLine(1, 4), ShipLine(2, 9))
        assert notice.carrier == "JBHT"
        assert notice.tracking_numbers == ("082131",)  # REF*CN; MAN*GM is an SSCC, not tracking
        assert notice.shipped_at == datetime(2005, 10, 15, 13, 45, tzinfo=UTC)  # BSN03/BSN04
    assert warnings == ["DTM02 (segment 12): shipped date '200' is not CCYYMMDD; BSN03/BSN04 used as the ship date"]


def test_856_tracking_per_pack_goes_to_the_order_it_belongs_to():
    text = (
        SHIP_856.replace("MAN*GM*00000010012345614785~", "MAN*CP*1Z999AA10123456784~")
        .replace("MAN*GM*00000010012378945698~", "MAN*CP*1Z999AA10123456795~")
        .replace("DTM*011*200~", "DTM*011*20051016*0930~")
    )
    first, second = ship_notices_from_856(first_set(text), WALMART_POS)
    assert first.tracking_numbers == ("082131", "1Z999AA10123456784")
    assert second.tracking_numbers == ("082131", "1Z999AA10123456795")
    assert first.shipped_at == datetime(2005, 10, 16, 9, 30, tzinfo=UTC)


def test_856_units_of_the_same_line_in_two_packs_add_up():
    text = SHIP_856.replace("LIN**UP*008815547321~\nSN1**9*EA~\nHL*6", "LIN**UP*008815509183~\nSN1**2*EA~\nHL*6", 1)
    first, _second = ship_notices_from_856(first_set(text), WALMART_POS)
    assert first.lines == (ShipLine(1, 6),)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("HL*4*3*I~", "HL*4*9*I~", "HL02 (segment 24): HL02 '9' is not the HL01 of an earlier level"),
        ("SN1**4*EA~", "SN1**four*EA~", "SN102 (segment 26): SN102 (number of units shipped) 'four' is not a number"),
        (
            "LIN**UP*008815509183~",
            "LIN**UP*000000000000~",
            "LIN03 (segment 25): LIN (UP 000000000000) matches no line of PO-9988776655",
        ),
        (
            "PRF*9988776655***20051015~",
            "PRF****20051015~",
            "PRF01 (segment 16): PRF01 (purchase order number) is missing",
        ),
    ],
)
def test_an_856_that_cannot_be_mapped_names_the_segment_and_element(old, new, message):
    with pytest.raises(MappingError) as caught:
        ship_notices_from_856(first_set(SHIP_856.replace(old, new, 1)), WALMART_POS)
    assert str(caught.value.issue) == message


def test_the_published_810_reads_with_implied_decimals_in_the_total():
    invoice = invoice_from_810(first_set(sample("x12_810_invoice.edi")))
    assert invoice.po_number == "PO-508517"
    assert invoice.number == "SG427254"
    assert invoice.invoiced_at == date(2000, 5, 13)
    assert invoice.lines == (
        InvoiceLineInput(quantity=48, unit_price=Decimal("3.00"), line_number=1, supplier_sku="R5656-2"),
    )
    assert invoice.total == Decimal("144.00")  # TDS01 "14400"


def test_an_810_line_for_an_item_we_did_not_order_keeps_the_suppliers_code_for_the_match():
    catalog = Catalog({"PO-508517": (PoLineKey(1, 48, sku="BOLT", supplier_sku="R1111-1"),)})
    invoice = invoice_from_810(first_set(sample("x12_810_invoice.edi")), catalog)
    assert (invoice.lines[0].line_number, invoice.lines[0].supplier_sku) == (None, "R5656-2")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "TDS*14400~",
            "TDS*144.00~",
            "TDS01 (segment 8): TDS01 (total invoice amount) '144.00' must have implied decimals",
        ),
        ("BIG*20000513*", "BIG*20001313*", "BIG01 (segment 2): BIG01 (invoice date) '20001313' is not a CCYYMMDD date"),
        ("IT1*1*48*EA*3*", "IT1*1*48*EA*three*", "IT104 (segment 7): IT104 (unit price) 'three' is not an amount"),
    ],
)
def test_an_810_with_a_bad_element_names_it(old, new, message):
    with pytest.raises(MappingError) as caught:
        invoice_from_810(first_set(sample("x12_810_invoice.edi").replace(old, new)))
    assert str(caught.value.issue) == message


FEED_846 = sample("x12_846_dropship_inventory_advice.edi")


def test_the_published_846_gives_a_row_per_item_and_warehouse():
    feed = inventory_feed_from_846(first_set(FEED_846))
    assert feed.reference == "57806430591630001665036340"
    assert feed.as_of == datetime(2022, 10, 6, tzinfo=UTC)
    assert feed.errors == ()
    assert len(feed.rows) == 18  # 3 items x 6 warehouses
    assert {row.sku for row in feed.rows} == {"1617678", "LU04FKFSPF", "1617512"}  # LIN 5's blank SK: its VN
    stocked = [row for row in feed.rows if row.quantity]
    assert stocked == [
        InventoryRow("1617512", 852, "002"),
        InventoryRow("1617512", 704, "005"),
        InventoryRow("1617512", 527, "007"),
    ]


def test_an_846_item_whose_warehouses_disagree_with_its_total_is_left_out_and_named():
    feed = inventory_feed_from_846(first_set(FEED_846.replace("REF*WS*002*852~", "REF*WS*002*850~")))
    assert feed.errors == ("QTY02 (segment 30, 1617512): QTY*33 says 2083, the REF*WS warehouses add up to 2081",)
    assert {row.sku for row in feed.rows} == {"1617678", "LU04FKFSPF"}


def test_an_846_item_without_warehouses_is_one_row_with_its_total():
    start = FEED_846.index("LS*REF~REF*WS*001*0~REF*WS*002*852")
    end = FEED_846.index("LE*REF~", start) + len("LE*REF~")
    feed = inventory_feed_from_846(first_set(FEED_846[:start] + FEED_846[end:]))
    assert InventoryRow("1617512", 2083, "") in feed.rows
