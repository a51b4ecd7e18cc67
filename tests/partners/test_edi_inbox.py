"""The EDI drop folder end to end: an order routed to a supplier, the supplier's 855/856/810/846 files
dropped in its inbox, applied once, acknowledged with a 997, and filed away; bad files refused whole
with the segment and element at fault."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import cast

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from channels.models import Channel
from inventory.models import SKU, StockLevel
from partners.edi import read_interchange
from partners.edi.inbox import file_process
from partners.edi.mappers import functional_ack_from_997, purchase_order_from_850
from partners.edi.outbound import purchase_order_850, purchase_order_send_edi
from partners.models import (
    DocumentKind,
    DocumentStatus,
    EdiControlNumber,
    Exchange,
    PartnerDocument,
    PurchaseOrder,
    PurchaseOrderStatus,
)
from partners.tasks_edi import edi_inbox_poll
from tests.factories import SKUFactory, stocked
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.partners import dropship_supplier, equal_handling, po_of, sku_cost

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "partners" / "samples"


def sample(name: str) -> str:
    return (SAMPLES / name).read_bytes().decode("utf-8")


@pytest.fixture(autouse=True)
def empty_storage(settings):
    """A new in-memory storage per test: the drop folders start empty (the setting change resets it)."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


@pytest.fixture
def supplier(db):
    equal_handling()
    tee = cast(SKU, SKUFactory(code="TEE-BLK-M", name="Black tee, M", weight_grams=300, barcode="008815509183"))
    mug = cast(SKU, SKUFactory(code="MUG-WHT", name="White mug", weight_grams=450, barcode="008815547321"))
    partner, location = dropship_supplier(
        "acme", exchange=Exchange.EDI, edi_our_id="FULFILBACKOFF", edi_their_id="ANOTHERMERCH", edi_qualifier="ZZ"
    )
    sku_cost(partner, tee, "6.40", "VND1234567")
    sku_cost(partner, mug, "3.10", "VND000111222")
    stocked(location, tee, 20)
    stocked(location, mug, 20)
    return partner, location


@pytest.fixture
def po(supplier):
    web = cast(Channel, ChannelFactory(code="web", name="Web shop"))
    order = place_order(
        web, [("TEE-BLK-M", 8), ("MUG-WHT", 4)], customer_name="Wile E Coyote", line1="111 Canyon Court", city="Phoenix"
    ).order
    return po_of(order)


def drop(partner, name: str, text: str) -> None:
    default_storage.save(f"edi/{partner.code}/inbox/{name}", ContentFile(text.encode()))


def stored(path: str) -> str:
    with default_storage.open(path) as handle:
        return handle.read().decode()


def listing(partner, box: str) -> list[str]:
    try:
        return sorted(default_storage.listdir(f"edi/{partner.code}/{box}")[1])
    except FileNotFoundError:
        return []


def ack_855_for(po: PurchaseOrder) -> str:
    """The published 855, answering our PO: our PO digits, our SKU codes (the supplier codes stay)."""
    return (
        sample("x12_855_dropship_po_acknowledgment.edi")
        .replace("365465413", po.number.removeprefix("PO-"))
        .replace("ACM/8900-400", "TEE-BLK-M")
        .replace("ACM/1100-001", "MUG-WHT")
    )


def the_997(partner, name_part: str) -> str:
    [name] = [name for name in listing(partner, "outbox") if name.startswith("997_") and name_part in name]
    return stored(f"edi/{partner.code}/outbox/{name}")


def test_the_published_855_acknowledges_our_po_once_with_a_997(supplier, po):
    partner, _location = supplier
    drop(partner, "ack-1746.edi", ack_855_for(po))

    assert edi_inbox_poll() == {"acme": {"processed": 1, "failed": 0}}

    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.ACKNOWLEDGED
    assert [(line.line_number, line.quantity_accepted) for line in po.lines.order_by("line_number")] == [(1, 8), (2, 4)]
    document = PartnerDocument.objects.get(partner=partner, direction="in", kind=DocumentKind.ACKNOWLEDGMENT)
    assert (document.status, document.via, document.idempotency_key) == (
        DocumentStatus.APPLIED,
        Exchange.EDI,
        "000001746-000001746-0001",
    )
    assert document.raw.startswith("ST*855*0001~\nBAK*00*AD*")
    assert listing(partner, "inbox") == []
    assert listing(partner, "processed") == ["ack-1746.edi"]
    ack = read_interchange(the_997(partner, "_"))
    assert ack.all_issues() == []
    assert ack.receiver == ("14", "ANOTHERMERCH") and ack.sender == ("ZZ", "THISISME")  # answered to its sender
    read = functional_ack_from_997(ack.sets[0])
    assert (read.group_control, read.status, [s.status for s in read.sets]) == ("000001746", "A", ["A"])

    # The same file again changes nothing: no second application, no second 997.
    drop(partner, "ack-1746.edi", ack_855_for(po))
    assert edi_inbox_poll() == {"acme": {"processed": 1, "failed": 0}}
    assert PartnerDocument.objects.filter(partner=partner, direction="in", status=DocumentStatus.APPLIED).count() == 1
    assert len([name for name in listing(partner, "outbox") if name.startswith("997_")]) == 1
    assert [(line.quantity_accepted) for line in po.lines.order_by("line_number")] == [8, 4]


def test_a_malformed_855_is_stored_rejected_applies_nothing_and_gets_a_rejecting_997(supplier, po):
    partner, _location = supplier
    drop(partner, "bad.edi", ack_855_for(po).replace("SE*17*0001", "SE*15*0001"))

    result = file_process(partner, "bad.edi")

    assert not result.ok
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.SENT
    assert all(line.quantity_accepted == 0 for line in po.lines.all())
    rejected = PartnerDocument.objects.get(partner=partner, direction="in")
    assert rejected.status == DocumentStatus.REJECTED
    assert rejected.kind == DocumentKind.ACKNOWLEDGMENT
    assert "SE01 (segment 19): SE01 says 15 segments (ST to SE), the set has 17" in rejected.error
    assert listing(partner, "failed") == ["bad.edi", "bad.edi.error.txt"]
    assert "SE01 says 15 segments" in stored(f"edi/{partner.code}/failed/bad.edi.error.txt")
    assert [line for line in the_997(partner, "_").splitlines() if line.startswith(("AK5", "AK9"))] == [
        "AK5*R*4~",
        "AK9*R*1*1*0~",
    ]


def test_a_line_the_po_does_not_have_is_rejected_with_ak3_ak4(supplier, po):
    partner, _location = supplier
    drop(partner, "unknown-line.edi", ack_855_for(po).replace("SK*MUG-WHT", "SK*LAMP-1").replace("VND000111222", "X"))

    result = file_process(partner, "unknown-line.edi")

    [item] = result.sets
    assert item.status == "rejected"
    assert "PO101 (segment 15): PO1 (line 'item-2', VC X, SK LAMP-1) matches no line of PO-" in item.message
    body = the_997(partner, "_").splitlines()
    assert "AK3*PO1*13**8~" in body and "AK5*R*5~" in body
    assert PurchaseOrder.objects.get(pk=po.pk).status == PurchaseOrderStatus.SENT


def test_a_file_that_is_not_x12_is_rejected_with_the_reason_and_no_997(supplier):
    partner, _location = supplier
    drop(partner, "notes.txt", "Hello, here is our ASN: ST*856 see attachment")

    result = file_process(partner, "notes.txt")

    assert not result.ok
    rejected = PartnerDocument.objects.get(partner=partner, direction="in")
    assert (rejected.status, rejected.kind) == (DocumentStatus.REJECTED, DocumentKind.SHIP_NOTICE)
    assert rejected.error == "notes.txt: the file must start with ISA, it starts with 'Hel'"
    assert listing(partner, "failed") == ["notes.txt", "notes.txt.error.txt"]
    assert listing(partner, "outbox") == []


def test_a_file_from_another_sender_is_refused(supplier, po):
    partner, _location = supplier
    drop(partner, "other.edi", ack_855_for(po).replace("*14*ANOTHERMERCH   *", "*14*SOMEONEELSE    *"))

    result = file_process(partner, "other.edi")

    assert not result.ok
    assert "ISA06 'SOMEONEELSE' is not Acme Supply's EDI id 'ANOTHERMERCH'" in result.sets[0].message
    assert PurchaseOrder.objects.get(pk=po.pk).status == PurchaseOrderStatus.SENT


def ship_856_for(po: PurchaseOrder) -> str:
    """The published 856 with one order level, shipping our PO (UPCs are our SKUs' barcodes)."""
    text = (
        sample("x12_856_ship_notice.edi")
        .replace("*16*SENDER1        *", "*16*ANOTHERMERCH   *")  # from this partner, as its inbox expects
        .replace("9988776655", po.number.removeprefix("PO-"))
        .replace("LIN**UP*008815509183~\nSN1**4*EA~", "LIN**UP*008815509183~\nSN1**8*EA~", 1)
        .replace("LIN**UP*008815547321~\nSN1**9*EA~", "LIN**UP*008815547321~\nSN1**4*EA~", 1)
    )
    start, end = text.index("HL*6*1*O~"), text.index("CTT*9~")  # keep the first order level only
    return text[:start] + text[end:].replace("CTT*9~", "CTT*5~").replace("SE*44*0001", "SE*29*0001")


def test_the_published_856_ships_the_po_with_its_tracking_and_notes_its_envelope_mistakes(supplier, po):
    partner, _location = supplier
    drop(partner, "ack.edi", ack_855_for(po))
    drop(partner, "asn.edi", ship_856_for(po))

    assert edi_inbox_poll() == {"acme": {"processed": 2, "failed": 0}}

    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.SHIPPED
    notice = po.ship_notices.get()
    assert (notice.reference, notice.carrier, notice.tracking_numbers) == ("01140824", "JBHT", ["082131"])
    assert [(line.po_line.line_number, line.quantity) for line in notice.lines.order_by("po_line__line_number")] == [
        (1, 8),
        (2, 4),
    ]
    assert listing(partner, "processed") == ["ack.edi", "asn.edi", "asn.edi.warnings.txt"]
    warnings = stored(f"edi/{partner.code}/processed/asn.edi.warnings.txt")
    assert "GE01 (segment 32): GE01 says 2 transaction sets, the group has 1" in warnings
    assert "GS01 is 'IN' but the group holds 856 sets" in warnings
    answer = the_997(partner, "_000000263_")
    assert "AK9*E*2*1*1*5~" in answer
    # Answered in the versions the partner wrote in (ISA12, GS08), not in ours.
    assert answer.startswith("ISA*") and answer.split("*")[12] == "00204"
    assert "*X*004010~" in answer.splitlines()[1]


def invoice_810_for(po: PurchaseOrder, tds: str = "6360") -> str:
    """The published 810 (sent without envelope) in an envelope from the partner, billing our PO."""
    body = (
        sample("x12_810_invoice.edi")
        .replace("*508517*", f"*{po.number.removeprefix('PO-')}*")
        .replace("IT1*1*48*EA*3**MG*R5656-2~", "IT1*1*8*EA*6.4**VC*VND1234567~\nIT1*2*4*EA*3.10**VC*VND000111222~")
        .replace("TDS*14400~", f"TDS*{tds}~")
        .replace("CTT*1~", "CTT*2~")
        .replace("SE*10*0001~", "SE*11*0001~")
    )
    isa = "ISA*00*          *00*          *ZZ*ANOTHERMERCH   *ZZ*FULFILBACKOFF  *260310*0900*U*00401*000000310*0*P*>~\n"
    return (
        isa + "GS*IN*ANOTHERMERCH*FULFILBACKOFF*20260310*0900*310*X*004010~\n" + body + "GE*1*310~\nIEA*1*000000310~\n"
    )


def test_ack_ship_notice_and_invoice_files_take_the_po_to_a_matched_invoice(supplier, po):
    partner, _location = supplier
    drop(partner, "01-ack.edi", ack_855_for(po))
    drop(partner, "02-asn.edi", ship_856_for(po))
    drop(partner, "03-invoice.edi", invoice_810_for(po))

    assert edi_inbox_poll() == {"acme": {"processed": 3, "failed": 0}}

    invoice = PurchaseOrder.objects.get(pk=po.pk).invoices.get()
    assert (invoice.number, invoice.total, invoice.match_status) == ("SG427254", Decimal("63.60"), "matched")
    assert sorted((line.quantity, line.unit_price) for line in invoice.lines.all()) == [
        (4, Decimal("3.10")),
        (8, Decimal("6.40")),
    ]
    assert len([name for name in listing(partner, "outbox") if name.startswith("997_")]) == 3


def test_an_invoice_total_that_is_not_its_lines_is_flagged_not_refused(supplier, po):
    partner, _location = supplier
    drop(partner, "01-ack.edi", ack_855_for(po))
    drop(partner, "02-asn.edi", ship_856_for(po))
    drop(partner, "03-invoice.edi", invoice_810_for(po, tds="7000"))  # 70.00, the lines say 63.60

    edi_inbox_poll()

    invoice = PurchaseOrder.objects.get(pk=po.pk).invoices.get()
    assert (invoice.total, invoice.match_status) == (Decimal("70.00"), "discrepancy")


def test_a_ship_notice_for_more_than_ordered_is_refused_by_the_po_but_acknowledged_as_well_formed(supplier, po):
    partner, _location = supplier
    drop(partner, "01-ack.edi", ack_855_for(po))
    drop(partner, "02-asn.edi", ship_856_for(po).replace("SN1**8*EA~", "SN1**80*EA~"))

    edi_inbox_poll()

    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.ACKNOWLEDGED
    assert not po.ship_notices.exists()
    refused = PartnerDocument.objects.get(partner=partner, kind=DocumentKind.SHIP_NOTICE)
    assert refused.status == DocumentStatus.REJECTED and refused.error
    assert listing(partner, "failed") == ["02-asn.edi", "02-asn.edi.error.txt"]
    assert "ST*856*0001: refused" in stored(f"edi/{partner.code}/failed/02-asn.edi.error.txt")
    assert "AK5*A~" in the_997(partner, "_000000263_")  # the file was well formed: the refusal is not syntax


def test_one_856_shipping_two_pos_gives_each_its_notice(supplier):
    partner, _location = supplier
    web = cast(Channel, ChannelFactory(code="web", name="Web shop"))
    first = po_of(place_order(web, [("TEE-BLK-M", 4), ("MUG-WHT", 9)], external_id="A-1").order)
    second = po_of(place_order(web, [("TEE-BLK-M", 4), ("MUG-WHT", 9)], external_id="A-2").order)
    text = (
        sample("x12_856_ship_notice.edi")
        .replace("*16*SENDER1        *", "*16*ANOTHERMERCH   *")
        .replace("9988776655", first.number.removeprefix("PO-"))
        .replace("2288115555", second.number)  # our own form back, prefix and all
    )
    drop(partner, "asn.edi", text)

    assert edi_inbox_poll() == {"acme": {"processed": 1, "failed": 0}}

    for po in (first, second):
        notice = PurchaseOrder.objects.get(pk=po.pk).ship_notices.get()
        assert notice.reference == "01140824"
        assert sorted(line.quantity for line in notice.lines.all()) == [4, 9]
    keys = sorted(
        PartnerDocument.objects.filter(partner=partner, kind=DocumentKind.SHIP_NOTICE).values_list(
            "idempotency_key", flat=True
        )
    )
    assert keys == sorted([f"000000263-000000001-0001/{first.number}", f"000000263-000000001-0001/{second.number}"])


FEED_846 = sample("x12_846_dropship_inventory_advice.edi")


def feed_846() -> str:
    """The published 846 from this partner, naming our SKUs (LIN 5 keeps an item we do not sell)."""
    return (
        FEED_846.replace("*ZZ*MALOUFSLEEP    *", "*ZZ*ANOTHERMERCH   *")
        .replace("SK*1617678*", "SK*TEE-BLK-M*")
        .replace("SK*1617512*", "SK*MUG-WHT*")
    )


def test_the_published_846_is_refused_for_its_count_and_applied_once_corrected(supplier):
    partner, location = supplier
    drop(partner, "feed.edi", feed_846())

    edi_inbox_poll()

    rejected = PartnerDocument.objects.get(partner=partner, kind=DocumentKind.INVENTORY)
    assert rejected.status == DocumentStatus.REJECTED
    assert "SE01 says 22213 segments (ST to SE), the set has 37" in rejected.error
    assert StockLevel.objects.get(location=location, sku__code="MUG-WHT").on_hand == 20
    assert "AK5*R*4~" in the_997(partner, "_")

    drop(partner, "feed-fixed.edi", feed_846().replace("SE*22213*", "SE*37*"))
    assert edi_inbox_poll() == {"acme": {"processed": 1, "failed": 0}}

    assert StockLevel.objects.get(location=location, sku__code="MUG-WHT").on_hand == 2083  # 852 + 704 + 527
    assert StockLevel.objects.get(location=location, sku__code="TEE-BLK-M").on_hand == 0
    applied = PartnerDocument.objects.get(partner=partner, kind=DocumentKind.INVENTORY, status=DocumentStatus.APPLIED)
    assert "LU04FKFSPF" in applied.error  # the item we do not sell is named, not applied


def test_the_command_reads_one_partners_inbox_and_says_what_became_of_each_file(supplier, po):
    partner, _location = supplier
    drop(partner, "ack.edi", ack_855_for(po))
    out = StringIO()

    call_command("edi_inbox", "--partner", "acme", stdout=out)

    assert "acme/ack.edi: processed -> edi/acme/processed/ack.edi" in out.getvalue()
    assert "ST*855*0001 applied" in out.getvalue()
    assert "1 file(s) read." in out.getvalue()


def test_our_850_for_a_routed_po_parses_back_to_its_lines_with_fresh_control_numbers(supplier, po):
    partner, _location = supplier
    first, second = purchase_order_850(po), purchase_order_850(po)

    received = read_interchange(first)
    assert received.all_issues() == []
    assert received.sender == ("ZZ", "FULFILBACKOFF") and received.receiver == ("ZZ", "ANOTHERMERCH")
    assert (read_interchange(first).control, read_interchange(second).control) == ("000000001", "000000002")
    assert EdiControlNumber.objects.get(partner=partner).last_isa == 2
    read = purchase_order_from_850(received.sets[0])
    assert read.number == po.number.removeprefix("PO-")
    assert (read.ship_to_name, read.ship_to_postal_code) == ("Wile E Coyote", "10001")
    assert [(line.line_id, line.quantity, line.unit_price, line.item.ids) for line in read.lines] == [
        ("1", 8, Decimal("6.40"), (("VC", "VND1234567"), ("SK", "TEE-BLK-M"))),
        ("2", 4, Decimal("3.10"), (("VC", "VND000111222"), ("SK", "MUG-WHT"))),
    ]


def test_the_850_goes_to_the_outbox_once(supplier, po):
    partner, _location = supplier
    document = purchase_order_send_edi(purchase_order=po)
    again = purchase_order_send_edi(purchase_order=po)

    assert again.pk == document.pk and document.status == DocumentStatus.SENT
    assert listing(partner, "outbox") == [f"850_{po.number}_{document.control_number}.x12"]
    assert stored(f"edi/{partner.code}/outbox/850_{po.number}_{document.control_number}.x12") == document.raw


def test_a_997_from_the_partner_is_kept_on_the_trail_and_not_answered(supplier, po):
    partner, _location = supplier
    ours = read_interchange(purchase_order_850(po))
    group = ours.groups[0]
    rejecting = (
        "ISA*00*          *00*          *ZZ*ANOTHERMERCH   *ZZ*FULFILBACKOFF  *260310*0900*^*00501*000000400*0*P*>~\n"
        "GS*FA*ANOTHERMERCH*FULFILBACKOFF*20260310*0900*400*X*005010~\n"
        "ST*997*0001~\n"
        f"AK1*PO*{group.control}*005010~\nAK2*850*0001~\nAK3*PO1*12**8~\nAK4*2**6*X~\nAK5*R*5~\nAK9*R*1*1*0~\n"
        "SE*8*0001~\nGE*1*400~\nIEA*1*000000400~\n"
    )
    drop(partner, "fa.edi", rejecting)

    result = file_process(partner, "fa.edi")

    assert result.ok and result.acknowledgments == []
    kept = PartnerDocument.objects.get(partner=partner, direction="in", kind=DocumentKind.FUNCTIONAL_ACK)
    assert kept.status == DocumentStatus.APPLIED
    assert kept.error == (
        f"Our group was not accepted: group PO {group.control}: rejected; "
        "850 0001 rejected (AK3 PO1 at 12: 8; AK4 element 2: 6 X)"
    )
    assert listing(partner, "outbox") == []


def test_a_file_that_breaks_unexpectedly_stays_in_the_inbox_and_the_next_one_is_read(supplier, po, monkeypatch):
    partner, _location = supplier
    drop(partner, "a-broken.edi", ack_855_for(po))
    drop(partner, "b-ack.edi", ack_855_for(po).replace("000001746", "000001747"))
    real = file_process

    def flaky(partner_, name):
        if name == "a-broken.edi":
            raise OSError("storage hiccup")
        return real(partner_, name)

    monkeypatch.setattr("partners.edi.inbox.file_process", flaky)
    assert edi_inbox_poll() == {"acme": {"processed": 1, "failed": 0}}
    assert listing(partner, "inbox") == ["a-broken.edi"]
    assert listing(partner, "processed") == ["b-ack.edi"]
