"""The supplier portal: a supplier's people sign in, answer, ship and invoice their POs and upload their stock,
each through the partners services (via the portal), and see nothing of anyone else's."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.roles import BACK_OFFICE, SUPPLIER, SUPPLIER_SESSION_KEY
from fulfillment.models import Package, ShipmentStatus
from inventory.models import MovementKind, StockLevel, StockMovement
from inventory.services import ledger_verify
from partners.models import (
    AdvanceShipNotice,
    DocumentKind,
    DocumentStatus,
    Exchange,
    Invoice,
    Partner,
    PartnerDocument,
    PartnerUser,
    PurchaseOrder,
    PurchaseOrderStatus,
)
from tests.browser.support import PASSWORD
from tests.factories import SKUFactory, stocked, user_with_role
from tests.factories.partners import DropshipNetwork, dropship_network, dropship_supplier, po_of, sku_cost

pytestmark = pytest.mark.django_db

NUMBERS = "1Z999AA10000000011\n1Z999AA10000000022"


def supplier_user(partner: Partner, username: str = "sam-acme") -> Any:
    """A supplier's person: in the Supplier role and linked to the partner."""
    user = user_with_role(SUPPLIER, username=username)
    PartnerUser.objects.create(user=user, partner=partner)
    return user


def said(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def net(db) -> DropshipNetwork:
    return dropship_network()


@pytest.fixture
def po(net) -> PurchaseOrder:
    order = net.order(
        [("TEE-BLK-M", 3), ("MUG-WHT", 1)],
        customer_name="Grace Hopper",
        customer_email="grace@example.com",
        line1="1 Navy Way",
        city="New York",
        region="NY",
    )
    return po_of(order)


@pytest.fixture
def sam(client, net) -> Any:
    client.force_login(supplier_user(net.partner))
    return client


@pytest.fixture
def rival(net) -> tuple[Partner, PurchaseOrder]:
    """Another supplier with a PO of its own (for a customer in Boston)."""
    partner, location = dropship_supplier("globex", priority=0)
    hat: Any = SKUFactory(code="HAT-GRN", name="Green hat", weight_grams=100)
    sku_cost(partner, hat, "4.00", "GLX-HAT")
    stocked(location, hat, 5)
    order = net.order([("HAT-GRN", 1)], external_id="B-1", customer_name="Ada Lovelace", city="Boston", region="MA")
    return partner, po_of(order)


def url(name: str, po: PurchaseOrder) -> str:
    return reverse(f"partners:{name}", args=[po.pk])


def test_a_supplier_signs_in_and_lands_on_its_purchase_orders(client, net, po):
    supplier_user(net.partner)

    response = client.post(reverse("login"), {"username": "sam-acme", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("partners:portal_home")
    page = response.content.decode()
    assert po.number in page and "Answer by" in page
    nav = [item["label"] for item in response.context["nav_items"]]
    assert nav == ["Purchase orders", "Inventory"]  # nothing of the back office


@pytest.mark.parametrize(
    "path",
    ["/orders/", "/inventory/", "/partners/", "/partners/purchase-orders/", "/returns/", "/carriers/", "/channels/"],
)
def test_a_supplier_reaches_no_back_office_page_even_with_permissions(client, net, path):
    user = supplier_user(net.partner)
    user.groups.add(user.groups.model.objects.get(name=BACK_OFFICE))  # given a staff role by mistake
    client.force_login(user)

    assert client.get(path).status_code == 403
    assert client.get("/").url == reverse("partners:portal_home")


def test_a_session_from_before_the_mark_is_scoped_too(client, net):
    client.force_login(supplier_user(net.partner))
    session = client.session
    del session[SUPPLIER_SESSION_KEY]  # signed in before suppliers were marked at sign-in
    session.save()

    assert client.get("/orders/").status_code == 403
    assert client.session[SUPPLIER_SESSION_KEY] is True


def test_a_user_linked_to_a_partner_is_a_supplier_even_outside_the_role(client, net):
    user = user_with_role(BACK_OFFICE, username="linked")
    PartnerUser.objects.create(user=user, partner=net.partner)
    client.force_login(user)

    assert client.get("/orders/").status_code == 403
    assert client.get(reverse("partners:portal_home")).status_code == 200


def test_a_suspended_partners_people_are_refused(sam, net, po):
    Partner.objects.filter(pk=net.partner.pk).update(is_active=False)

    response = sam.get(url("portal_po", po))

    assert response.status_code == 403


def test_another_partners_po_is_a_404_by_every_url(sam, po, rival):
    _partner, theirs = rival

    for name in ("portal_po", "portal_ship", "portal_invoice"):
        assert sam.get(url(name, theirs)).status_code == 404
    assert sam.post(url("portal_acknowledge", theirs), {"action": "accept_all"}).status_code == 404
    assert sam.get(url("portal_po", po)).status_code == 200
    listing = sam.get(reverse("partners:portal_home") + "?tab=new").content.decode()
    assert po.number in listing and theirs.number not in listing and "Ada Lovelace" not in listing
    assert theirs.lines.get().quantity_accepted == 0


def test_our_staff_cannot_use_the_portal(back_office_client, po):
    assert back_office_client.get(reverse("partners:portal_home")).status_code == 403
    assert back_office_client.get(url("portal_po", po)).status_code == 403


def test_the_po_shows_its_ship_to_and_nothing_else_of_the_customer_or_our_stock(sam, po):
    page = sam.get(url("portal_po", po)).content.decode()

    assert "Grace Hopper" in page and "1 Navy Way" in page and "ACME-TEE" in page
    assert "grace@example.com" not in page
    assert "dal-dc" not in page and "Dallas" not in page  # our warehouse that also holds the SKUs
    assert po.shipment.order.number not in page


def test_accept_all(sam, net, po):
    response = sam.post(url("portal_acknowledge", po), {"action": "accept_all"}, follow=True)

    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.ACKNOWLEDGED
    assert [(line.quantity_accepted, line.quantity_rejected) for line in po.lines.all()] == [(3, 0), (1, 0)]
    document = PartnerDocument.objects.get(purchase_order=po, direction="in")
    assert (document.kind, document.via, document.status) == (DocumentKind.ACKNOWLEDGMENT, "portal", "applied")
    assert '"action": "accept_all"' in document.raw
    assert f"{po.number} accepted" in said(response)[0]
    assert "Enter a shipment" in response.content.decode()


def test_accept_part_with_a_reason_sends_the_rest_elsewhere(sam, net, po):
    form = {"action": "some", "accept_1": "2", "reason_1": "only two left", "accept_2": "1", "reason_2": ""}

    response = sam.post(url("portal_acknowledge", po), form, follow=True)

    po.refresh_from_db()
    tee, mug = po.lines.all()
    assert (tee.quantity_accepted, tee.quantity_rejected, tee.reject_reason) == (2, 1, "only two left")
    assert (mug.quantity_accepted, mug.quantity_rejected) == (1, 0)
    assert po.status == PurchaseOrderStatus.ACKNOWLEDGED
    elsewhere = po.shipment.order.shipments.exclude(pk=po.shipment.pk).get()
    assert elsewhere.location == net.warehouse and elsewhere.lines.get().quantity == 1
    assert "2 of 4 units accepted" not in said(response)[0]  # 3 of 4: the mug too
    assert "3 of 4 units accepted" in said(response)[0]


def test_a_partial_answer_without_a_reason_is_refused_on_the_form_and_changes_nothing(sam, po):
    form = {"action": "some", "accept_1": "1", "reason_1": "", "accept_2": "1"}

    response = sam.post(url("portal_acknowledge", po), form)

    assert response.status_code == 422
    assert "Say why you cannot ship the rest." in response.content.decode()
    assert not PartnerDocument.objects.filter(purchase_order=po, direction="in").exists()
    assert po.lines.get(line_number=1).quantity_accepted == 0


def test_reject_all_needs_a_reason_then_the_po_is_rejected(sam, po):
    assert sam.post(url("portal_acknowledge", po), {"action": "reject_all", "reason": ""}).status_code == 422

    sam.post(url("portal_acknowledge", po), {"action": "reject_all", "reason": "discontinued"})

    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.REJECTED
    assert {line.reject_reason for line in po.lines.all()} == {"discontinued"}


def test_the_same_answer_or_shipment_twice_changes_nothing(sam, po):
    sam.post(url("portal_acknowledge", po), {"action": "accept_all"}, follow=True)
    response = sam.post(url("portal_acknowledge", po), {"action": "accept_all"}, follow=True)
    assert said(response) == [f"Every line of {po.number} is answered already."]

    part = {"carrier": "UPS", "tracking_numbers": "1ZCCC", "reference": "R-5", "ship_1": "1", "ship_2": "0"}
    sam.post(url("portal_ship", po), part, follow=True)
    response = sam.post(url("portal_ship", po), part, follow=True)  # a double tap on a slow phone

    assert said(response) == ["We already had this: nothing changed."]
    assert po.lines.get(line_number=1).quantity_shipped == 1
    assert PartnerDocument.objects.filter(purchase_order=po, direction="in", status="applied").count() == 2


def test_a_shipment_with_two_parcels_ships_the_order(sam, net, po):
    sam.post(url("portal_acknowledge", po), {"action": "accept_all"})
    form = sam.get(url("portal_ship", po)).context["form"]
    assert form["reference"].value() == f"{po.number}-1" and form["ship_1"].value() == 3

    response = sam.post(
        url("portal_ship", po),
        {
            "carrier": "UPS",
            "service": "Ground",
            "tracking_numbers": NUMBERS,
            "reference": "ACME-SH-1",
            "ship_1": "3",
            "ship_2": "1",
        },
        follow=True,
    )

    assert "4 units in 2 parcels" in said(response)[0]
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.SHIPPED
    notice = AdvanceShipNotice.objects.get(purchase_order=po)
    assert notice.tracking_numbers == ["1Z999AA10000000011", "1Z999AA10000000022"] and notice.carrier == "UPS"
    assert po.shipment.__class__.objects.get(pk=po.shipment.pk).status == ShipmentStatus.SHIPPED
    assert set(Package.objects.filter(shipment=po.shipment).values_list("tracking_number", flat=True)) == {
        "1Z999AA10000000011",
        "1Z999AA10000000022",
    }
    assert PartnerDocument.objects.get(purchase_order=po, kind=DocumentKind.SHIP_NOTICE).via == Exchange.PORTAL
    assert ledger_verify() == []


def test_a_refused_shipment_shows_its_error_and_is_kept_on_the_trail(sam, po):
    sam.post(url("portal_acknowledge", po), {"action": "accept_all"})
    first = {"carrier": "UPS", "tracking_numbers": "1ZAAA", "reference": "R-1", "ship_1": "1", "ship_2": "0"}
    sam.post(url("portal_ship", po), first)

    response = sam.post(url("portal_ship", po), {**first, "ship_1": "2"})  # the same reference, other lines

    assert response.status_code == 422
    assert "Ship notice R-1 was already received with other lines or parcels." in response.content.decode()
    rejected = PartnerDocument.objects.get(purchase_order=po, status=DocumentStatus.REJECTED)
    assert "R-1" in rejected.error
    page = sam.get(url("portal_po", po)).content.decode()
    assert rejected.error in page.replace("&#x27;", "'")
    assert po.lines.get(line_number=1).quantity_shipped == 1


def test_a_shipment_with_no_tracking_number_or_no_units_is_refused_on_the_form(sam, po):
    response = sam.post(
        url("portal_ship", po),
        {"carrier": "UPS", "tracking_numbers": " , ", "reference": "R", "ship_1": "0", "ship_2": "0"},
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "Give at least one tracking number." in page and "Say how many units" in page
    assert not AdvanceShipNotice.objects.exists()


def ship_everything(client: Any, po: PurchaseOrder) -> None:
    client.post(url("portal_acknowledge", po), {"action": "accept_all"})
    client.post(
        url("portal_ship", po),
        {"carrier": "UPS", "tracking_numbers": "1ZBBB", "reference": "R-9", "ship_1": "3", "ship_2": "1"},
    )


def test_an_invoice_prefilled_from_what_shipped_is_matched(sam, po):
    assert sam.get(url("portal_invoice", po)).status_code == 302  # nothing shipped yet
    ship_everything(sam, po)
    form = sam.get(url("portal_invoice", po)).context["form"]
    assert (form["qty_1"].value(), str(form["price_1"].value())) == (3, "6.40")

    response = sam.post(
        url("portal_invoice", po),
        {
            "number": "INV-77",
            "invoiced_at": "2026-03-03",
            "qty_1": "3",
            "price_1": "6.40",
            "qty_2": "1",
            "price_2": "3.10",
        },
        follow=True,
    )

    assert said(response) == [f"Invoice INV-77 received for {po.number}."]
    invoice = Invoice.objects.get(purchase_order=po)
    assert (invoice.match_status, invoice.total) == ("matched", invoice.total) and str(invoice.total) == "22.30"
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.CLOSED


def test_an_invoice_csv_with_bad_rows_names_each_row_and_keeps_the_rejected_document(sam, po):
    ship_everything(sam, po)
    bad = b"line,quantity,unit_price\n1,3,6.40\n2,two,3.10\n,1,abc\n"

    response = sam.post(
        url("portal_invoice", po),
        {
            "number": "INV-78",
            "invoiced_at": "2026-03-03",
            "qty_1": "0",
            "qty_2": "0",
            "price_1": "1",
            "price_2": "1",
            "file": SimpleUploadedFile("inv.csv", bad, content_type="text/csv"),
        },
    )

    assert response.status_code == 422
    assert response.context["row_errors"] == {
        "line 3": ["quantity “two” is not a whole number of units (1 or more)"],
        "line 4": ["give the PO line number or the SKU", "unit price “abc” is not an amount such as 12.50"],
    }
    assert not Invoice.objects.exists()
    rejected = PartnerDocument.objects.get(purchase_order=po, kind=DocumentKind.INVOICE)
    assert rejected.status == DocumentStatus.REJECTED and "line 3" in rejected.error and rejected.raw == bad.decode()


def test_an_invoice_csv_with_a_price_difference_is_flagged_for_our_staff(sam, po):
    ship_everything(sam, po)
    csv = b"sku,quantity,unit_price\nACME-TEE,3,6.90\nACME-MUG,1,3.10\n"

    sam.post(
        url("portal_invoice", po),
        {
            "number": "INV-79",
            "invoiced_at": "2026-03-03",
            "qty_1": "0",
            "qty_2": "0",
            "price_1": "1",
            "price_2": "1",
            "file": SimpleUploadedFile("inv.csv", csv, content_type="text/csv"),
        },
    )

    invoice = Invoice.objects.get(purchase_order=po)
    assert invoice.match_status == "discrepancy" and invoice.approved_at is None
    page = sam.get(url("portal_po", po)).content.decode()
    assert "being checked by our team" in page and "invoiced at 6.90" in page


def feed(client: Any, body: bytes) -> Any:
    return client.post(
        reverse("partners:portal_inventory"), {"file": SimpleUploadedFile("stock.csv", body, content_type="text/csv")}
    )


def test_an_inventory_csv_sets_the_suppliers_stock_through_the_ledger(sam, net):
    response = feed(sam, b"sku,quantity\nACME-TEE,7\nMUG-WHT,0\nNOPE-1,4\n")

    assert response.status_code == 302
    assert StockLevel.objects.get(location=net.supplier, sku=net.tee).on_hand == 7
    assert StockLevel.objects.get(location=net.supplier, sku=net.mug).on_hand == 0
    movement = StockMovement.objects.filter(location=net.supplier, sku=net.tee).latest("id")
    assert movement.kind == MovementKind.SUPPLIER_FEED
    page = sam.get(response.url)
    assert said(page) == ["Stock updated for 2 SKUs."]
    [row] = page.context["feeds"]
    assert row["left_out"] == ["line 4: unknown SKU NOPE-1"]
    assert ledger_verify() == []


def test_an_inventory_csv_with_malformed_rows_applies_nothing_and_names_each_row(sam, net):
    response = feed(sam, b"sku,quantity,warehouse\nACME-TEE,abc,\n,3,\nACME-MUG,-2,\nACME-TEE,5,\n")

    assert response.status_code == 422
    assert response.context["row_errors"] == {
        "line 2": ["quantity “abc” is not a whole number of units (0 or more)"],
        "line 3": ["the SKU is blank"],
        "line 4": ["quantity “-2” is not a whole number of units (0 or more)"],
    }
    assert "Line 2" in response.content.decode()
    assert StockLevel.objects.get(location=net.supplier, sku=net.tee).on_hand == 20  # unchanged
    rejected = PartnerDocument.objects.get(kind=DocumentKind.INVENTORY)
    assert (rejected.status, rejected.via) == (DocumentStatus.REJECTED, Exchange.PORTAL)


def test_a_file_that_is_not_an_inventory_csv_is_refused_with_what_to_fix(sam, net):
    response = feed(sam, b"code;units\nACME-TEE;3\n")

    assert response.status_code == 422
    assert "Missing column(s): sku, quantity" in response.content.decode()
    assert PartnerDocument.objects.get(kind=DocumentKind.INVENTORY).status == DocumentStatus.REJECTED


def test_the_portal_list_takes_the_same_queries_however_many_pos(sam, net, po, django_assert_num_queries):
    home = reverse("partners:portal_home") + "?tab=new"
    sam.get(home)
    with django_assert_num_queries(7) as one:  # session, user, partner, tab counts, page count, POs, lines
        sam.get(home)
    for number in range(2, 6):
        net.order([("TEE-BLK-M", 1), ("MUG-WHT", 1)], external_id=f"A-{number}")
    with django_assert_num_queries(len(one.captured_queries)):
        response = sam.get(home)
    assert len(response.context["page"].object_list) == 5
