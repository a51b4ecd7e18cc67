"""Stock purchase orders: a purchase proposal approved in planning is ordered from its supplier for our
location, sent through the supplier's exchange, and its ship notices are received there as stock."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from core.errors import ValidationFailed
from core.roles import BACK_OFFICE, SUPPLIER
from fulfillment.models import LinehaulLane
from inventory.models import LocationKind, MovementKind, StockLevel, StockMovement
from inventory.services import StockLine
from partners.documents import InvoiceInput, InvoiceLineInput, ShipLine, ShipNotice
from partners.models import (
    DocumentKind,
    DocumentStatus,
    Exchange,
    PartnerDocument,
    PurchaseOrder,
    PurchaseOrderKind,
    PurchaseOrderStatus,
)
from partners.services import invoice_apply, partner_user_set, purchase_order_create_for_stock, ship_notice_apply
from planning.models import DemandForecast, ForecastScope, ProposalKind, ProposalStatus, ReplenishmentProposal
from planning.services.proposals import proposal_apply, proposals_compute
from tests.factories import LocationFactory, SKUFactory, stocked, user_with_role
from tests.factories.partners import PartnerFactory, sku_cost

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee(db: Any) -> Any:
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M", weight_grams=300, price=Decimal("40.00"))


@pytest.fixture
def warehouse(db: Any) -> Any:
    return LocationFactory(
        code="dal-dc",
        name="Dallas DC",
        kind=LocationKind.WAREHOUSE,
        address_line1="1 Commerce St",
        city="Dallas",
        region="TX",
        postal_code="75201",
    )


@pytest.fixture
def supplier(db: Any, tee: Any) -> Any:
    partner: Any = PartnerFactory(code="acme", name="Acme Supply", exchange=Exchange.API)
    sku_cost(partner, tee, "6.40", "ACME-TEE")
    return partner


def _short_warehouse(warehouse: Any, tee: Any) -> None:
    """The warehouse holds 2 units and sells 5 a day, and no other location can send it any."""
    stocked(warehouse, tee, 2)
    DemandForecast.objects.create(
        scope=ForecastScope.LOCATION,
        sku=tee,
        location=warehouse,
        as_of=dt.date(2026, 11, 30),
        horizon_days=28,
        model_name="AutoETS",
        daily_mean=5.0,
        error_sd=1.0,
        points=[[5.0, 4.0, 6.0]] * 28,
    )


def test_approving_a_purchase_proposal_sends_a_stock_po_to_the_supplier(
    warehouse: Any, tee: Any, supplier: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _short_warehouse(warehouse, tee)
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.PURCHASE)
    assert proposal.partner_id == supplier.pk

    with django_capture_on_commit_callbacks(execute=True):
        proposal_apply(proposal=proposal, quantity=40, actor=None)

    po = PurchaseOrder.objects.get(partner=supplier)
    assert (po.kind, po.location_id, po.shipment_id) == (PurchaseOrderKind.STOCK, warehouse.pk, None)
    assert po.sent_at is not None and po.status == PurchaseOrderStatus.SENT
    assert po.ship_to["name"] == "Dallas DC" and po.ship_to["postal_code"] == "75201"
    line = po.lines.get()
    assert (line.sku_id, line.quantity, line.unit_cost, line.supplier_sku) == (tee.pk, 40, Decimal("6.40"), "ACME-TEE")
    assert po.total_cost == Decimal("256.00")
    assert po.reference == f"Replenishment {proposal.number}"
    sent = PartnerDocument.objects.get(purchase_order=po, direction="out")
    assert (sent.kind, sent.status, sent.parsed["kind"]) == (DocumentKind.PURCHASE_ORDER, DocumentStatus.SENT, "stock")
    applied = ReplenishmentProposal.objects.get(pk=proposal.pk)
    assert applied.status == ProposalStatus.APPLIED and po.number in applied.explanation


def test_a_ship_notice_on_a_stock_po_is_received_at_the_location_and_the_invoice_matches(
    warehouse: Any, tee: Any, supplier: Any, django_capture_on_commit_callbacks: Any
) -> None:
    stocked(warehouse, tee, 2)
    with django_capture_on_commit_callbacks(execute=True):
        po = purchase_order_create_for_stock(
            partner=supplier, location=warehouse, lines=[StockLine(tee.pk, 30)], actor=None
        )

    def notice(reference: str, units: int) -> ShipNotice:
        return ShipNotice(po.number, reference, (ShipLine(1, units),), carrier="UPS", tracking_numbers=(reference,))

    ship_notice_apply(partner=supplier, notice=notice("1Z-A", 10), via=Exchange.API)
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.PARTIALLY_SHIPPED
    assert StockLevel.objects.get(location=warehouse, sku=tee).on_hand == 12

    ship_notice_apply(partner=supplier, notice=notice("1Z-B", 20), via=Exchange.API)
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.SHIPPED
    assert StockLevel.objects.get(location=warehouse, sku=tee).on_hand == 32
    receipts = StockMovement.objects.filter(location=warehouse, kind=MovementKind.RECEIPT, document_id=po.number)
    assert sorted(receipts.values_list("on_hand_delta", flat=True)) == [10, 20]

    invoice = InvoiceInput(po.number, "INV-9", dt.date(2026, 12, 2), (InvoiceLineInput(30, Decimal("6.40"), 1),))
    invoice_apply(partner=supplier, invoice=invoice, via=Exchange.API)
    po.refresh_from_db()
    assert (po.status, po.match_status) == (PurchaseOrderStatus.CLOSED, "matched")


def test_an_edi_supplier_gets_a_stand_alone_850_shipping_to_our_location(
    warehouse: Any, tee: Any, supplier: Any, django_capture_on_commit_callbacks: Any
) -> None:
    supplier.exchange = Exchange.EDI
    supplier.edi_our_id, supplier.edi_their_id = "OURSHOP", "ACMESUPPLY"
    supplier.save()
    with django_capture_on_commit_callbacks(execute=True):
        po = purchase_order_create_for_stock(partner=supplier, location=warehouse, lines=[StockLine(tee.pk, 12)])

    document = PartnerDocument.objects.get(purchase_order=po, direction="out", kind=DocumentKind.PURCHASE_ORDER)
    assert document.status == DocumentStatus.SENT
    assert re.search(rf"BEG\*00\*SA\*0*{po.pk}\*", document.raw)
    assert "N1*ST*Dallas DC~" in document.raw and "N4*Dallas*TX*75201*US~" in document.raw
    assert "*VC*ACME-TEE*SK*TEE-BLK-M~" in document.raw


def test_a_sku_the_supplier_does_not_list_or_a_supplier_location_is_refused(
    warehouse: Any, tee: Any, supplier: Any
) -> None:
    other: Any = SKUFactory(code="MUG-WHT")
    with pytest.raises(ValidationFailed, match="SKU costs") as missing:
        purchase_order_create_for_stock(partner=supplier, location=warehouse, lines=[StockLine(other.pk, 1)])
    assert missing.value.field == "lines"
    dropship: Any = LocationFactory(code="acme-ds", kind=LocationKind.DROPSHIP_SUPPLIER)
    with pytest.raises(ValidationFailed, match="does not hold our stock"):
        purchase_order_create_for_stock(partner=supplier, location=dropship, lines=[StockLine(tee.pk, 1)])
    assert not PurchaseOrder.objects.exists()


def test_a_purchase_proposal_nobody_supplies_says_what_to_set_up(warehouse: Any, tee: Any) -> None:
    _short_warehouse(warehouse, tee)
    LinehaulLane.objects.all().delete()
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.PURCHASE)

    with pytest.raises(Exception, match="add its cost to a supplier"):
        proposal_apply(proposal=proposal, quantity=5, actor=None)
    assert not PurchaseOrder.objects.exists()


def test_staff_and_the_supplier_see_a_stock_po_as_stock_for_our_location(
    client: Any, warehouse: Any, tee: Any, supplier: Any, django_assert_max_num_queries: Any
) -> None:
    po = purchase_order_create_for_stock(
        partner=supplier, location=warehouse, lines=[StockLine(tee.pk, 6)], reference="Replenishment RP-000009"
    )
    client.force_login(user_with_role(BACK_OFFICE, username="blair"))

    with django_assert_max_num_queries(12):
        listed = client.get(reverse("partners:po_list")).content.decode()
    assert po.number in listed and 'Stock for <span class="mono">dal-dc</span>' in listed
    detail = client.get(reverse("partners:po_detail", args=[po.pk])).content.decode()
    assert "Replenishment RP-000009" in detail and "Dallas DC" in detail

    person = user_with_role(SUPPLIER, username="sam-acme")
    partner_user_set(user=person, partner=supplier)
    client.force_login(person)
    portal = client.get(reverse("partners:portal_po", args=[po.pk])).content.decode()
    assert "Dallas DC" in portal and "1 Commerce St" in portal


def test_the_proposals_page_approves_a_purchase_and_says_the_po_is_on_its_way(
    back_office_client: Any, warehouse: Any, tee: Any, supplier: Any
) -> None:
    _short_warehouse(warehouse, tee)
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.PURCHASE)
    page = back_office_client.get(reverse("planning:proposals")).content.decode()
    assert proposal.number in page and "Approve purchase" in page

    response = back_office_client.post(
        reverse("planning:proposal_approve", args=[proposal.pk]), {"quantity": "25"}, HTTP_HX_REQUEST="true"
    )

    row = response.content.decode()
    po = PurchaseOrder.objects.get(partner=supplier)
    assert "Approved" in row and "purchase order for 25 unit(s) is on its way to Acme Supply" in row
    assert po.number in row and po.lines.get().quantity == 25
