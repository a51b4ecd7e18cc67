"""`purchase_order.*` events: a dropship PO's whole life reaches the merchant's endpoint, each step once,
written with the change (and only if it commits), with bodies shaped as the documentation shows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from inventory.services import StockLine
from partners.documents import AckLine, Acknowledgment, InvoiceInput, InvoiceLineInput, ShipLine, ShipNotice
from partners.models import Exchange
from partners.services import (
    acknowledgment_apply,
    invoice_apply,
    purchase_order_cancel,
    purchase_order_create_for_stock,
    ship_notice_apply,
)
from tests.factories.partners import DropshipNetwork, dropship_network, po_of
from tests.webhooks.test_payloads import bodies, the_one
from webhooks.models import Event, EventType

pytestmark = pytest.mark.django_db

API = Exchange.API
PO_TYPES = [value for value in EventType.values if value.startswith("purchase_order.")]


@pytest.fixture
def net() -> DropshipNetwork:
    return dropship_network()


def test_a_purchase_order_reports_each_step_once(
    net: DropshipNetwork, make_endpoint: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_endpoint(PO_TYPES)
    with django_capture_on_commit_callbacks(execute=True):
        order = net.order([("TEE-BLK-M", 2), ("MUG-WHT", 1)], external_id="W-PO-1")
    po = po_of(order)
    with django_capture_on_commit_callbacks(execute=True):
        ack = Acknowledgment(po.number, (AckLine(1, 2), AckLine(2, 1)))
        acknowledgment_apply(partner=net.partner, ack=ack, via=API)
        acknowledgment_apply(partner=net.partner, ack=ack, via=API)  # sent twice: nothing new
    with django_capture_on_commit_callbacks(execute=True):
        for reference, lines in (("SHP-1", (ShipLine(1, 2),)), ("SHP-2", (ShipLine(2, 1),))):
            notice = ShipNotice(
                po_number=po.number,
                reference=reference,
                lines=lines,
                carrier="UPS",
                service="Ground",
                tracking_numbers=(f"1Z999AA1000000{reference[-1]}",),
                shipped_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
            )
            ship_notice_apply(partner=net.partner, notice=notice, via=API)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = InvoiceInput(
            po_number=po.number,
            number="INV-1",
            invoiced_at=date(2026, 3, 3),
            lines=(
                InvoiceLineInput(quantity=2, unit_price=Decimal("6.40"), line_number=1),
                InvoiceLineInput(quantity=1, unit_price=Decimal("3.10"), line_number=2),
            ),
            total=Decimal("15.90"),
        )
        invoice_apply(partner=net.partner, invoice=invoice, via=API)

    created = the_one(receiver, EventType.PURCHASE_ORDER_CREATED)["purchase_order"]
    assert (created["number"], created["partner"]) == (po.number, {"code": "acme", "name": "Acme Supply"})
    assert created["order"]["external_id"] == "W-PO-1"
    assert [(line["sku"], line["supplier_sku"], line["quantity"]) for line in created["lines"]] == [
        ("TEE-BLK-M", "ACME-TEE", 2),
        ("MUG-WHT", "ACME-MUG", 1),
    ]
    assert created["total_cost"] == "15.90"
    assert the_one(receiver, EventType.PURCHASE_ORDER_SENT)["purchase_order"]["sent_at"]
    acknowledged = the_one(receiver, EventType.PURCHASE_ORDER_ACKNOWLEDGED)["purchase_order"]
    assert acknowledged["status"] == "acknowledged" and acknowledged["acknowledged_at"]
    assert [line["accepted"] for line in acknowledged["lines"]] == [2, 1]

    shipped = bodies(receiver, EventType.PURCHASE_ORDER_SHIPPED)
    assert [body["data"]["ship_notice"]["reference"] for body in shipped] == ["SHP-1", "SHP-2"]
    assert shipped[0]["data"]["ship_notice"]["lines"] == [{"line_number": 1, "quantity": 2}]
    assert shipped[0]["data"]["ship_notice"]["tracking_numbers"] == ["1Z999AA10000001"]

    invoiced = the_one(receiver, EventType.PURCHASE_ORDER_INVOICED)
    assert (invoiced["invoice"]["number"], invoiced["invoice"]["total"]) == ("INV-1", "15.90")
    assert invoiced["invoice"]["match_status"] == "matched"
    assert invoiced["purchase_order"]["status"] == "closed"
    assert bodies(receiver, EventType.PURCHASE_ORDER_CANCELLED) == []


def test_a_cancelled_purchase_order_says_why(
    net: DropshipNetwork, make_endpoint: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_endpoint([EventType.PURCHASE_ORDER_CANCELLED])
    with django_capture_on_commit_callbacks(execute=True):
        po = po_of(net.order([("TEE-BLK-M", 1)], external_id="W-PO-2"))
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_cancel(purchase_order=po, actor=None, reason="out of season")

    cancelled = the_one(receiver, EventType.PURCHASE_ORDER_CANCELLED)["purchase_order"]
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "out of season")
    assert cancelled["cancelled_at"]
    assert Event.objects.filter(type__startswith="purchase_order.").count() == 1  # only the type subscribed


def test_no_event_when_the_change_rolls_back_or_nobody_listens(
    net: DropshipNetwork, make_endpoint: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        net.order([("TEE-BLK-M", 1)], external_id="W-PO-3")
    assert not Event.objects.exists()  # no endpoint takes purchase orders

    make_endpoint([EventType.PURCHASE_ORDER_CREATED])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        net.order([("TEE-BLK-M", 1)], external_id="W-PO-4")
        assert Event.objects.filter(type=EventType.PURCHASE_ORDER_CREATED).count() == 1
        raise RuntimeError("the request failed after routing")
    assert not Event.objects.exists()


def test_a_stock_purchase_order_is_reported_without_an_order(
    net: DropshipNetwork, make_endpoint: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A PO for our own shelves serves no customer order: the event says so instead of failing to send."""
    make_endpoint([EventType.PURCHASE_ORDER_CREATED])
    with django_capture_on_commit_callbacks(execute=True):
        po = purchase_order_create_for_stock(
            partner=net.partner, location=net.warehouse, lines=[StockLine(net.tee.pk, 30)], actor=None
        )

    [body] = bodies(receiver, EventType.PURCHASE_ORDER_CREATED)
    created = body["data"]["purchase_order"]
    assert (created["number"], created["order"], created["shipment"]) == (po.number, None, None)
    assert [(line["sku"], line["quantity"]) for line in created["lines"]] == [("TEE-BLK-M", 30)]
