"""The supplier REST API (partner keys, scoped to the partner, cursor, Idempotency-Key, refusals kept on the
trail) and the staff purchase order API, both in the OpenAPI schema."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from fulfillment.models import ShipmentStatus
from partners.models import DocumentStatus, Invoice, PartnerDocument, PurchaseOrderStatus
from partners.services import partner_api_key_revoke
from tests.factories import UserFactory, user_with_role
from tests.factories.partners import dropship_network, dropship_shipment, dropship_supplier, partner_key, po_of

pytestmark = pytest.mark.django_db

POS = "/api/v1/partner/purchase-orders"
STAFF_POS = "/api/v1/purchase-orders"


@pytest.fixture
def net(db):
    return dropship_network()


@pytest.fixture
def key(net):
    return partner_key(net.partner)


def as_partner(key: str, keyword: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


@pytest.fixture
def manager(db):
    user: Any = UserFactory(username="buyer")
    user.user_permissions.add(Permission.objects.get(codename="manage_partners"))
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_partner_lists_its_purchase_orders_with_a_cursor_and_finds_new_ones_later(net, key):
    first = [po_of(net.order([("TEE-BLK-M", 1)], external_id=f"A-{n}")) for n in range(3)]
    client = as_partner(key)

    page = client.get(POS, {"limit": 2}).json()
    assert [po["number"] for po in page["results"]] == [po.number for po in first[:2]]
    page = client.get(page["next"]).json()
    assert [po["number"] for po in page["results"]] == [first[2].number]
    kept = page["next"]  # the end for now: the partner keeps this link
    assert client.get(kept).json()["results"] == []
    assert client.get(kept).json()["next"] == kept
    later = po_of(net.order([("MUG-WHT", 2)], external_id="A-9"))
    assert [po["number"] for po in client.get(kept).json()["results"]] == [later.number]

    one = page["results"][0]
    assert one["ship_to"]["name"] == "Ada Lovelace"
    assert one["lines"] == [
        {
            "line_number": 1,
            "sku": "TEE-BLK-M",
            "supplier_sku": "ACME-TEE",
            "quantity": 1,
            "unit_cost": "6.40",
            "quantity_accepted": 0,
            "quantity_rejected": 0,
            "quantity_shipped": 0,
            "quantity_invoiced": 0,
            "reject_reason": "",
        }
    ]
    assert "customer_email" not in json.dumps(one) and "order" not in one  # the ship-to only


def test_listing_costs_the_same_queries_for_two_or_twenty_purchase_orders(net, key, django_assert_num_queries):
    client = as_partner(key)
    for n in range(2):
        net.order([("TEE-BLK-M", 1)], external_id=f"A-{n}")
    client.get(POS)  # the key's last use is written at most once a minute: not in the count

    with django_assert_num_queries(3):  # the key and its partner, the page, the lines with their SKUs
        assert len(client.get(POS).json()["results"]) == 2
    for n in range(2, 20):
        net.order([("TEE-BLK-M", 1), ("MUG-WHT", 1)], external_id=f"A-{n}")
    with django_assert_num_queries(3):
        assert len(client.get(POS).json()["results"]) == 20


def test_a_partner_never_sees_another_partners_purchase_order(net, key):
    po = po_of(net.order([("TEE-BLK-M", 1)]))
    rival, _ = dropship_supplier("rival")
    rival_client = as_partner(partner_key(rival))

    assert rival_client.get(POS).json()["results"] == []
    assert rival_client.get(f"{POS}/{po.pk}").status_code == 404
    answer = rival_client.post(f"{POS}/{po.pk}/acknowledgment", {"lines": [{"line_number": 1, "accepted": 0}]})
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert po.__class__.objects.get(pk=po.pk).status == PurchaseOrderStatus.SENT
    assert as_partner(key, "Bearer").get(f"{POS}/{po.pk}").json()["number"] == po.number


def test_keys_revoked_missing_or_of_staff_are_refused(net, key, manager):
    assert APIClient().get(POS).status_code == 401
    assert as_partner("fp_nope_nope").get(POS).status_code == 401
    assert manager.get(POS).status_code == 403  # staff use the staff endpoints
    assert as_partner(key).get(STAFF_POS).status_code in (401, 403)  # a partner key holds no staff right
    partner_api_key_revoke(api_key=net.partner.api_keys.get())
    assert as_partner(key).get(POS).status_code == 401


def test_acknowledge_ship_and_invoice_through_the_api(net, key, django_capture_on_commit_callbacks):
    order = net.order([("TEE-BLK-M", 3)])
    po = po_of(order)
    client = as_partner(key)

    acked = client.post(
        f"{POS}/{po.pk}/acknowledgment",
        {"lines": [{"line_number": 1, "accepted": 2, "reason": "one damaged"}]},
        HTTP_IDEMPOTENCY_KEY="ack-1",
    )
    assert acked.status_code == 201, acked.content
    assert acked.json()["document"]["status"] == DocumentStatus.APPLIED
    assert acked.json()["purchase_order"]["lines"][0]["quantity_rejected"] == 1
    replay = client.post(
        f"{POS}/{po.pk}/acknowledgment",
        {"lines": [{"line_number": 1, "accepted": 2, "reason": "one damaged"}]},
        HTTP_IDEMPOTENCY_KEY="ack-1",
    )
    assert replay.json() == acked.json() and replay["Idempotent-Replayed"] == "true"
    again = client.post(
        f"{POS}/{po.pk}/acknowledgment", {"lines": [{"line_number": 1, "accepted": 2, "reason": "one damaged"}]}
    )
    assert (again.status_code, again.json()["document"]["status"]) == (200, DocumentStatus.DUPLICATE)
    assert order.shipments.exclude(pk=po.shipment_id).get().location == net.warehouse

    notice = {
        "reference": "SHIP-77",
        "carrier": "FedEx",
        "service": "Home",
        "tracking_numbers": ["7946 1", "7946 2"],
        "lines": [{"line_number": 1, "quantity": 2}],
    }
    with django_capture_on_commit_callbacks(execute=True):
        shipped = client.post(f"{POS}/{po.pk}/ship-notices", notice, HTTP_IDEMPOTENCY_KEY="asn-1")
    assert shipped.status_code == 201, shipped.content
    assert shipped.json()["purchase_order"]["status"] == PurchaseOrderStatus.SHIPPED
    shipment = dropship_shipment(po)
    assert shipment.status == ShipmentStatus.SHIPPED
    assert list(shipment.packages.values_list("tracking_number", flat=True)) == ["7946 1", "7946 2"]

    invoiced = client.post(
        f"{POS}/{po.pk}/invoices",
        {
            "number": "F-1",
            "invoiced_at": "2026-03-04",
            "lines": [{"line_number": 1, "quantity": 2, "unit_price": "6.40"}],
        },
    )
    assert invoiced.status_code == 201, invoiced.content
    assert invoiced.json()["purchase_order"]["status"] == PurchaseOrderStatus.CLOSED


@pytest.mark.parametrize("idempotency_key", ["", "bad-1"])
def test_a_body_that_cannot_be_read_is_kept_rejected_and_answered_with_the_field(net, key, idempotency_key):
    po = po_of(net.order([("TEE-BLK-M", 2)]))
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}

    answer = as_partner(key).post(
        f"{POS}/{po.pk}/ship-notices",
        {"reference": "S-1", "tracking_numbers": [], "lines": [{"line_number": 1, "quantity": "two"}]},
        **headers,
    )

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"tracking_numbers", "lines[0].quantity"}
    stored = PartnerDocument.objects.get(pk=body["document"])  # kept although the request's transaction failed
    assert (stored.status, stored.purchase_order) == (DocumentStatus.REJECTED, po)
    assert "lines[0].quantity" in stored.error and '"two"' in stored.raw


def test_a_refusal_by_the_po_is_kept_too_even_under_an_idempotency_key(net, key):
    po = po_of(net.order([("TEE-BLK-M", 2)]))

    answer = as_partner(key).post(
        f"{POS}/{po.pk}/ship-notices",
        {"reference": "S-1", "tracking_numbers": ["1Z"], "lines": [{"line_number": 1, "quantity": 5}]},
        HTTP_IDEMPOTENCY_KEY="asn-too-many",
    )

    assert answer.status_code == 400
    body = answer.json()
    assert body["errors"] == {"lines[0].quantity": ["Line 1: 5 units shipped but only 2 ordered."]}
    assert PartnerDocument.objects.get(pk=body["document"]).status == DocumentStatus.REJECTED


def test_malformed_json_is_kept_rejected(net, key):
    po = po_of(net.order([("TEE-BLK-M", 1)]))

    answer = as_partner(key).post(f"{POS}/{po.pk}/acknowledgment", data='{"lines": [', content_type="application/json")

    assert answer.status_code == 400
    assert "body" in answer.json()["errors"]
    assert PartnerDocument.objects.get(pk=answer.json()["document"]).raw == '{"lines": ['


def test_inventory_through_the_api(net, key):
    answer = as_partner(key).post(
        "/api/v1/partner/inventory",
        {"reference": "feed-1", "rows": [{"sku": "ACME-TEE", "quantity": 8}, {"sku": "GHOST", "quantity": 1}]},
    )

    assert answer.status_code == 201, answer.content
    assert answer.json()["result"]["left_out"] == ["rows[1]: unknown SKU GHOST"]
    assert net.supplier.stock_levels.get(sku=net.tee).on_hand == 8


def test_staff_list_filter_cancel_and_approve(net, manager):
    late = po_of(net.order([("TEE-BLK-M", 1)], external_id="A-1"))
    late.__class__.objects.filter(pk=late.pk).update(ack_due_at="2020-01-01T00:00:00Z")
    shipped = po_of(net.order([("MUG-WHT", 1)], external_id="A-2"))
    client = as_partner(partner_key(net.partner))
    client.post(
        f"{POS}/{shipped.pk}/ship-notices",
        {"reference": "S", "tracking_numbers": ["1Z"], "lines": [{"line_number": 1, "quantity": 1}]},
    )
    client.post(
        f"{POS}/{shipped.pk}/invoices",
        {
            "number": "F",
            "invoiced_at": "2026-03-04",
            "lines": [{"line_number": 1, "quantity": 1, "unit_price": "3.50"}],
        },
    )

    listed = manager.get(STAFF_POS, {"sla": "ack_late"}).json()
    assert [po["number"] for po in listed["results"]] == [late.number]
    assert listed["results"][0]["partner"] == "acme" and listed["results"][0]["sla_status"] == "ack_late"
    detail = manager.get(f"{STAFF_POS}/{shipped.pk}").json()
    assert detail["match_status"] == "discrepancy"
    assert [(d["direction"], d["kind"]) for d in detail["documents"]] == [("in", "asn"), ("in", "invoice")]
    assert detail["documents"][0]["parsed"]["reference"] == "S"
    invoice = Invoice.objects.get(purchase_order=shipped)

    refused = manager.post(f"{STAFF_POS}/{shipped.pk}/invoices/{invoice.pk}/approve", {})
    assert (refused.status_code, list(refused.json()["errors"])) == (400, ["note"])
    approved = manager.post(f"{STAFF_POS}/{shipped.pk}/invoices/{invoice.pk}/approve", {"note": "agreed price rise"})
    assert approved.json()["status"] == PurchaseOrderStatus.CLOSED

    cancelled = manager.post(f"{STAFF_POS}/{late.pk}/cancel", {"reason": "never answered"})
    assert cancelled.json()["status"] == PurchaseOrderStatus.CANCELLED
    assert manager.post(f"{STAFF_POS}/{shipped.pk}/cancel", {"reason": "too late"}).status_code == 409


def test_staff_without_the_permission_get_403(net):
    po = po_of(net.order([("TEE-BLK-M", 1)]))
    client = APIClient()
    client.force_authenticate(user_with_role("Warehouse operator", username="op"))

    assert client.get(STAFF_POS).status_code == 403
    assert client.post(f"{STAFF_POS}/{po.pk}/cancel", {"reason": "x"}).status_code == 403


def test_the_openapi_schema_documents_both_apis(manager):
    schema = manager.get("/api/schema/", {"format": "json"}).json()

    for path in (
        "/api/v1/partner/purchase-orders",
        "/api/v1/partner/purchase-orders/{id}/acknowledgment",
        "/api/v1/partner/purchase-orders/{id}/ship-notices",
        "/api/v1/partner/purchase-orders/{id}/invoices",
        "/api/v1/partner/inventory",
        "/api/v1/purchase-orders/{id}/cancel",
        "/api/v1/purchase-orders/{id}/invoices/{invoice_id}/approve",
    ):
        assert path in schema["paths"], path
    ack = schema["paths"]["/api/v1/partner/purchase-orders/{id}/acknowledgment"]["post"]
    assert {"partnerApiKey": []} in ack["security"]
    assert any(p["name"] == "Idempotency-Key" for p in ack["parameters"])
    assert "partnerApiKey" in schema["components"]["securitySchemes"]
