"""Cancelling a PO an EDI supplier has received: an 850 with BEG01 "03" (Delete) goes to its outbox
once, after commit, with fresh control numbers, and the supplier's 997 for it lands on the PO's trail."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from channels.models import Channel
from inventory.models import SKU
from partners.edi import read_interchange
from partners.edi.inbox import file_process
from partners.models import DocumentKind, DocumentStatus, Exchange, PartnerDocument, PurchaseOrderStatus
from partners.services import purchase_order_cancel, purchase_order_transmit, purchase_orders_transmit_sweep
from tests.factories import SKUFactory, stocked
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.partners import dropship_supplier, equal_handling, po_of, sku_cost

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_storage(settings: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


@pytest.fixture
def edi_po(db: Any) -> Any:
    equal_handling()
    tee = cast(SKU, SKUFactory(code="TEE-BLK-M", name="Black tee, M", weight_grams=300))
    partner, location = dropship_supplier(
        "acme", exchange=Exchange.EDI, edi_our_id="FULFILBACKOFF", edi_their_id="ANOTHERMERCH", edi_qualifier="ZZ"
    )
    sku_cost(partner, tee, "6.40", "VND1234567")
    stocked(location, tee, 20)
    web = cast(Channel, ChannelFactory(code="web", name="Web shop"))
    order = place_order(web, [("TEE-BLK-M", 2)], customer_name="Wile E Coyote", city="Phoenix").order
    return po_of(order)


def _outbox(partner: Any) -> list[str]:
    try:
        return sorted(default_storage.listdir(f"edi/{partner.code}/outbox")[1])
    except FileNotFoundError:
        return []


def test_cancelling_a_sent_po_writes_an_850_delete_once_with_new_control_numbers(
    edi_po: Any, django_capture_on_commit_callbacks: Any
) -> None:
    original = purchase_order_transmit(purchase_order_id=edi_po.pk)
    assert original is not None

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        purchase_order_cancel(purchase_order=edi_po, actor=None, reason="customer cancelled")
    assert callbacks  # the file is written after commit, never under the PO's lock
    purchase_orders_transmit_sweep()  # nothing left for the sweep: still one cancellation

    edi_po.refresh_from_db()
    assert edi_po.status == PurchaseOrderStatus.CANCELLED
    cancel = PartnerDocument.objects.get(purchase_order=edi_po, idempotency_key=f"850-cancel-{edi_po.number}")
    assert cancel.status == DocumentStatus.SENT and cancel.control_number != original.control_number
    interchange = read_interchange(cancel.raw)
    [group] = interchange.groups
    [ts] = group.sets
    beg = next(segment for segment in ts.body if segment.id == "BEG")
    assert (ts.code, beg.get(1), beg.get(2)) == ("850", "03", "DS")
    assert "REF*ZZ*customer cancelled~" in cancel.raw
    assert cancel.parsed["group_control"] == group.control.lstrip("0")
    assert _outbox(edi_po.partner) == sorted(
        [
            f"850_{edi_po.number}_{original.control_number}.x12",
            f"850_cancel_{edi_po.number}_{cancel.control_number}.x12",
        ]
    )

    accepting = (
        "ISA*00*          *00*          *ZZ*ANOTHERMERCH   *ZZ*FULFILBACKOFF  *260310*0900*^*00501*000000401*0*P*>~\n"
        "GS*FA*ANOTHERMERCH*FULFILBACKOFF*20260310*0900*401*X*005010~\n"
        "ST*997*0001~\n"
        f"AK1*PO*{group.control}*005010~\nAK2*850*0001~\nAK5*A~\nAK9*A*1*1*1~\n"
        "SE*6*0001~\nGE*1*401~\nIEA*1*000000401~\n"
    )
    default_storage.save(f"edi/{edi_po.partner.code}/inbox/fa.edi", ContentFile(accepting.encode()))
    assert file_process(edi_po.partner, "fa.edi").ok
    ack = PartnerDocument.objects.get(direction="in", kind=DocumentKind.FUNCTIONAL_ACK)
    assert (ack.purchase_order_id, ack.status, ack.error) == (edi_po.pk, DocumentStatus.APPLIED, "")


def test_a_po_cancelled_before_its_850_went_out_sends_nothing(
    edi_po: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_cancel(purchase_order=edi_po, actor=None, reason="changed our mind")
    assert purchase_order_transmit(purchase_order_id=edi_po.pk) is None

    assert _outbox(edi_po.partner) == []
    assert not PartnerDocument.objects.filter(purchase_order=edi_po, direction="out").exists()
