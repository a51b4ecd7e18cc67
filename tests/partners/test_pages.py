"""Staff pages of partners and purchase orders: health, terms, drift, keys; the PO list with its filters and
SLA status; a PO's lines, ship notices, invoices and document trail; cancelling and approving."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from core.roles import WAREHOUSE_OPERATOR
from inventory.models import StockLevel
from partners.documents import AckLine, Acknowledgment, InvoiceInput, InvoiceLineInput, ShipLine, ShipNotice
from partners.models import (
    DocumentKind,
    DocumentStatus,
    Exchange,
    InventorySnapshot,
    PartnerContact,
    PurchaseOrder,
    PurchaseOrderStatus,
)
from partners.services import (
    acknowledgment_apply,
    invoice_apply,
    partner_api_key_authenticate,
    ship_notice_apply,
)
from partners.services.documents import DocumentRefused
from partners.threepl.services import threepl_reconcile
from quality.models import Inspection, InspectionStatus, InspectionTrigger
from tests.factories import SKUFactory, UserFactory, stocked, user_with_role
from tests.factories.partners import DropshipNetwork, dropship_network, dropship_supplier, po_of, sku_cost
from tests.partners.threepl_support import shipbob_sandbox, threepl_location, threepl_partner

pytestmark = pytest.mark.django_db

API = Exchange.API


def said(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def net(db) -> DropshipNetwork:
    return dropship_network()


@pytest.fixture
def po(net, django_capture_on_commit_callbacks) -> PurchaseOrder:
    with django_capture_on_commit_callbacks(execute=True):  # the PO is sent after commit
        order = net.order([("TEE-BLK-M", 3), ("MUG-WHT", 1)], customer_name="Grace Hopper", city="New York")
    return po_of(order)


def late(po: PurchaseOrder, *, ack: bool) -> None:
    """Move a PO's deadline into the past (as if hours went by)."""
    past = timezone.now() - timedelta(hours=2)
    PurchaseOrder.objects.filter(pk=po.pk).update(**({"ack_due_at": past} if ack else {"ship_due_at": past}))


def inspected(location: Any, sku: Any, *, passed: int, failed: int) -> None:
    Inspection.objects.create(
        location=location,
        sku=sku,
        trigger=InspectionTrigger.INBOUND,
        received_quantity=passed + failed,
        sample_quantity=passed + failed,
        status=InspectionStatus.FAILED if failed else InspectionStatus.PASSED,
        passed_units=passed,
        failed_units=failed,
        inspected_at=timezone.now(),
    )


def test_partner_pages_need_the_manage_permission(client, net, po):
    client.force_login(user_with_role(WAREHOUSE_OPERATOR, username="op"))

    for path in (
        reverse("partners:partner_list"),
        reverse("partners:partner_detail", args=[net.partner.pk]),
        reverse("partners:po_list"),
        reverse("partners:po_detail", args=[po.pk]),
    ):
        assert client.get(path).status_code == 403
    context = client.get("/").context
    nav = [item["label"] for item in [*context["nav_items"], *context["nav_more"]]]
    assert "Partners" not in nav and "Purchase orders" not in nav


def test_the_partner_list_shows_each_partners_health(back_office_client, net, po):
    late(po, ack=True)
    inspected(net.supplier, net.tee, passed=15, failed=5)

    response = back_office_client.get(reverse("partners:partner_list"))

    [row] = response.context["rows"]
    assert (row.open_pos, row.late_acks, row.late_shipments, str(row.defect_rate)) == (1, 1, 0, "25.00")
    page = response.content.decode()
    assert "Acme Supply" in page and "25.00%" in page
    links = [*response.context["nav_items"], *response.context["nav_more"]]
    nav = {item["label"]: item["active"] for item in links}
    assert nav["Partners"] is True and nav["Purchase orders"] is False


def test_a_partner_with_nothing_inspected_shows_no_defect_rate(back_office_client, net):
    page = back_office_client.get(reverse("partners:partner_list")).content.decode()

    assert 'data-figure="defects"><span class="muted" title="No unit inspected in 30 days">—</span>' in page


def test_the_partner_list_takes_the_same_queries_however_many_partners(
    back_office_client, net, po, django_assert_num_queries
):
    path = reverse("partners:partner_list")
    inspected(net.supplier, net.tee, passed=3, failed=1)
    back_office_client.get(path)
    with django_assert_num_queries(8) as one:  # session, user, 2 permissions, partners, locations, 2 defects
        back_office_client.get(path)
    for code in ("globex", "initech", "umbrella"):
        _partner, location = dropship_supplier(code)
        inspected(location, net.tee, passed=3, failed=1)
    with django_assert_num_queries(len(one.captured_queries)):
        response = back_office_client.get(path)
    assert len(response.context["rows"]) == 4


def test_the_partner_page_shows_terms_contacts_locations_health_and_pos(back_office_client, net, po):
    PartnerContact.objects.create(partner=net.partner, name="Pat Jones", role="Orders", email="pat@acme.test")
    inspected(net.supplier, net.mug, passed=9, failed=1)

    page = back_office_client.get(reverse("partners:partner_detail", args=[net.partner.pk])).content.decode()

    for expected in ("Pat Jones", "pat@acme.test", "24 hours", "48 hours", "acme-ds", "ACME-TEE", "6.40", po.number):
        assert expected in page
    assert 'data-defect="MUG-WHT"' in page and "10.00%" in page


def test_a_3pl_shows_its_drift_and_a_person_corrects_it_through_the_ledger(back_office_client, back_office_user):
    sandbox = shipbob_sandbox()
    location = threepl_location()
    partner = threepl_partner(sandbox, location)
    tee: Any = SKUFactory(code="TEE-BLK-M", name="Black tee, M")
    stocked(location, tee, 10)
    sandbox.set_inventory("TEE-BLK-M", 7)
    snapshot = threepl_reconcile(partner=partner, apply=False)
    path = reverse("partners:partner_detail", args=[partner.pk])

    page = back_office_client.get(path).content.decode()
    assert 'data-drift="TEE-BLK-M"' in page and "Apply correction through the ledger" in page

    response = back_office_client.post(reverse("partners:partner_snapshot_apply", args=[partner.pk, snapshot.pk]))

    assert said(response) == ["1 SKU corrected through the ledger."]
    assert StockLevel.objects.get(location=location, sku=tee).on_hand == 7
    snapshot.refresh_from_db()
    assert snapshot.applied_by == back_office_user
    assert "Apply correction through the ledger" not in back_office_client.get(path).content.decode()


def test_an_older_snapshot_is_not_applied_over_a_newer_one(back_office_client):
    sandbox = shipbob_sandbox()
    location = threepl_location()
    partner = threepl_partner(sandbox, location)
    tee: Any = SKUFactory(code="TEE-BLK-M")
    stocked(location, tee, 10)
    sandbox.set_inventory("TEE-BLK-M", 7)
    old = threepl_reconcile(partner=partner, apply=False)
    threepl_reconcile(partner=partner, apply=False)

    response = back_office_client.post(reverse("partners:partner_snapshot_apply", args=[partner.pk, old.pk]))

    assert "review it first" in said(response)[0]
    assert StockLevel.objects.get(location=location, sku=tee).on_hand == 10
    assert InventorySnapshot.objects.filter(applied_at__isnull=False).count() == 0


def test_an_api_key_is_shown_once_then_revoked(back_office_client, net):
    path = reverse("partners:partner_detail", args=[net.partner.pk])

    response = back_office_client.post(reverse("partners:partner_key_create", args=[net.partner.pk]), {"name": "ERP"})

    assert response.status_code == 201 and "no-store" in response["Cache-Control"]
    secret = response.context["issued"].secret
    assert secret in response.content.decode()
    assert partner_api_key_authenticate(secret) is not None
    assert secret not in back_office_client.get(path).content.decode()  # never again

    key = response.context["issued"].api_key
    revoked = back_office_client.post(reverse("partners:partner_key_revoke", args=[net.partner.pk, key.pk]))
    assert "is revoked" in said(revoked)[0]
    assert partner_api_key_authenticate(secret) is None


def test_a_key_needs_a_name_and_another_partners_key_is_a_404(back_office_client, net):
    response = back_office_client.post(reverse("partners:partner_key_create", args=[net.partner.pk]), {"name": ""})
    assert response.status_code == 422 and "This field is required." in response.content.decode()

    other, _location = dropship_supplier("globex")
    key = back_office_client.post(reverse("partners:partner_key_create", args=[other.pk]), {"name": "x"})
    key_id = key.context["issued"].api_key.pk
    assert (
        back_office_client.post(reverse("partners:partner_key_revoke", args=[net.partner.pk, key_id])).status_code
        == 404
    )


def test_the_po_list_filters_by_partner_status_and_late(back_office_client, net, po):
    other, location = dropship_supplier("globex", priority=0)
    hat: Any = SKUFactory(code="HAT-GRN", name="Green hat")
    sku_cost(other, hat, "4.00")
    stocked(location, hat, 5)
    theirs = po_of(net.order([("HAT-GRN", 1)], external_id="B-1"))
    late(theirs, ack=False)
    path = reverse("partners:po_list")

    def numbers(query: str) -> list[str]:
        return [row.number for row in back_office_client.get(path + query).context["page"].object_list]

    assert numbers("") == [theirs.number, po.number]
    assert numbers("?partner=acme") == [po.number]
    assert numbers("?sla=late") == [theirs.number]
    assert numbers("?sla=ship_late&partner=globex") == [theirs.number]
    assert numbers(f"?q={po.number}") == [po.number]
    assert numbers("?status=shipped") == []
    assert numbers("?status=nonsense") == [theirs.number, po.number]  # an unknown filter is ignored
    page = back_office_client.get(path).content.decode()
    assert 'data-sla="ship_late"' in page and 'data-sla="on_time"' in page


def test_filtering_with_htmx_answers_only_the_results(back_office_client, po):
    response = back_office_client.get(reverse("partners:po_list") + "?sla=on_time", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="po-results"') and po.number in page and "<html" not in page


def test_the_po_list_takes_the_same_queries_however_many_pos(back_office_client, net, po, django_assert_num_queries):
    path = reverse("partners:po_list")
    back_office_client.get(path)
    with django_assert_num_queries(9) as one:  # session, user, 2 permissions, partners, partner link, count, POs, lines
        back_office_client.get(path)
    for number in range(2, 7):
        net.order([("TEE-BLK-M", 1), ("MUG-WHT", 1)], external_id=f"A-{number}")
    with django_assert_num_queries(len(one.captured_queries)):
        response = back_office_client.get(path)
    assert len(response.context["page"].object_list) == 6


def test_the_po_page_shows_lines_notices_invoices_and_the_trail_with_errors(back_office_client, net, po):
    partner = net.partner
    acknowledgment_apply(
        partner=partner, ack=Acknowledgment(po.number, (AckLine(1, 3), AckLine(2, 1))), via=API, raw='{"ack": 1}'
    )
    with pytest.raises(DocumentRefused):
        ship_notice_apply(
            partner=partner,
            notice=ShipNotice(po.number, "S-1", (ShipLine(1, 9),), tracking_numbers=("1ZX",)),
            via=API,
            raw='{"too": "many"}',
        )
    ship_notice_apply(
        partner=partner,
        notice=ShipNotice(
            po.number, "S-2", (ShipLine(1, 3), ShipLine(2, 1)), carrier="UPS", tracking_numbers=("1ZA", "1ZB")
        ),
        via=API,
    )
    invoice_apply(
        partner=partner,
        invoice=InvoiceInput(
            po.number,
            "INV-1",
            timezone.localdate(),
            (InvoiceLineInput(3, Decimal("6.90"), 1), InvoiceLineInput(1, Decimal("3.10"), 2)),
        ),
        via=API,
    )

    response = back_office_client.get(reverse("partners:po_detail", args=[po.pk]))

    page = response.content.decode()
    assert 'data-line="1"' in page and 'data-q="shipped">3<' in page
    assert "1ZA" in page and "1ZB" in page and "S-2" in page
    assert "Line 1: invoiced at 6.90, the PO&#x27;s cost is 6.40." in page
    trail = {row["document"].kind: row for row in response.context["trail"] if row["document"].direction == "in"}
    assert set(trail) == {DocumentKind.ACKNOWLEDGMENT, DocumentKind.SHIP_NOTICE, DocumentKind.INVOICE}
    rejected = response.context["trail"][[r["document"].status for r in response.context["trail"]].index("rejected")]
    assert 'class="is-error"' in page and rejected["document"].error in page.replace("&#x27;", "'")
    assert "&quot;too&quot;: &quot;many&quot;" in page  # the raw document, as received
    assert ("Reference", "S-2") in trail[DocumentKind.SHIP_NOTICE]["facts"]
    out = [row for row in response.context["trail"] if row["document"].direction == "out"]
    assert out and out[0]["document"].kind == DocumentKind.PURCHASE_ORDER


def test_a_flagged_invoice_is_approved_with_a_note(back_office_client, back_office_user, net, po):
    acknowledgment_apply(partner=net.partner, ack=Acknowledgment(po.number, (AckLine(1, 3), AckLine(2, 1))), via=API)
    ship_notice_apply(
        partner=net.partner,
        notice=ShipNotice(po.number, "S-1", (ShipLine(1, 3), ShipLine(2, 1)), tracking_numbers=("1ZA",)),
        via=API,
    )
    invoice_apply(
        partner=net.partner,
        invoice=InvoiceInput(
            po.number,
            "INV-1",
            timezone.localdate(),
            (InvoiceLineInput(3, Decimal("6.90"), 1), InvoiceLineInput(1, Decimal("3.10"), 2)),
        ),
        via=API,
    )
    invoice = po.invoices.get()
    approve = reverse("partners:po_invoice_approve", args=[po.pk, invoice.pk])

    refused = back_office_client.post(approve, {f"inv{invoice.pk}-note": ""})
    assert refused.status_code == 422 and "Say why this invoice is approved" in refused.content.decode()

    back_office_client.post(approve, {f"inv{invoice.pk}-note": "price rise agreed by phone"})

    invoice.refresh_from_db()
    assert invoice.approved_by == back_office_user and invoice.approval_note == "price rise agreed by phone"
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.CLOSED


def test_cancelling_a_po_asks_first_and_needs_a_reason(back_office_client, net, po):
    path = reverse("partners:po_cancel", args=[po.pk])
    assert "Cancel the purchase order" in back_office_client.get(path).content.decode()
    assert back_office_client.post(path, {"reason": ""}).status_code == 422
    assert PurchaseOrder.objects.get(pk=po.pk).status == PurchaseOrderStatus.SENT

    response = back_office_client.post(path, {"reason": "customer changed their mind"}, follow=True)

    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.CANCELLED and po.cancel_reason == "customer changed their mind"
    assert f"{po.number} is cancelled" in said(response)[0]
    assert po.shipment.order.shipments.exclude(pk=po.shipment.pk).get().location == net.warehouse
    assert "can no longer be cancelled" in back_office_client.get(path).content.decode()
    cancelled = po.documents.filter(direction="out", status=DocumentStatus.SENT).order_by("pk").last()
    assert cancelled is not None and cancelled.parsed["action"] == "cancel"


def test_a_user_given_only_the_permission_sees_the_links(client, net):
    user: Any = UserFactory(username="buyer")
    user.user_permissions.add(Permission.objects.get(codename="manage_partners"))
    client.force_login(user)

    nav = [item["label"] for item in client.get(reverse("partners:po_list")).context["nav_items"]]

    assert nav[-2:] == ["Partners", "Purchase orders"]
