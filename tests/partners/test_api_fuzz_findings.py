"""Inputs the API schema fuzz found crashing or answered off-schema by the purchase order APIs."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from partners.models import DocumentStatus, PartnerDocument
from tests.factories import UserFactory
from tests.factories.orders import ChannelFactory, channel_key
from tests.factories.partners import dropship_network, partner_key, po_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def net(db):
    return dropship_network()


def client_with(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


@pytest.fixture
def manager(db) -> APIClient:
    user: Any = UserFactory(username="buyer")
    user.user_permissions.add(Permission.objects.get(codename="manage_partners"))
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_options_describes_the_staff_cancel_and_approve_endpoints(net, manager):
    """OPTIONS on these two crashed (a 500): DRF asks the view for the serializer it describes."""
    po = po_of(net.order([("TEE-BLK-M", 1)]))
    for url, field in (
        (f"/api/v1/purchase-orders/{po.pk}/cancel", "reason"),
        (f"/api/v1/purchase-orders/{po.pk}/invoices/1/approve", "note"),
    ):
        response = manager.options(url)
        assert response.status_code == 200, url
        assert field in response.json()["actions"]["POST"]


def test_options_describes_the_supplier_document_endpoints(net):
    po = po_of(net.order([("TEE-BLK-M", 1)]))
    client = client_with(f"Token {partner_key(net.partner)}")
    for path in (
        f"purchase-orders/{po.pk}/acknowledgment",
        f"purchase-orders/{po.pk}/ship-notices",
        f"purchase-orders/{po.pk}/invoices",
        "inventory",
    ):
        response = client.options(f"/api/v1/partner/{path}")
        assert response.status_code == 200, path
        assert "POST" in response.json()["actions"]


def test_a_cursor_the_api_did_not_give_is_a_400_naming_the_cursor(net):
    client = client_with(f"Token {partner_key(net.partner)}")

    response = client.get("/api/v1/partner/purchase-orders", {"cursor": "text_x"})

    assert response.status_code == 400
    assert "next" in response.json()["errors"]["cursor"][0]


def test_a_channel_key_on_the_staff_purchase_order_api_gets_the_documented_403(net):
    channel: Any = ChannelFactory(code="web", name="Web shop")
    client = client_with(f"Token {channel_key(channel)}")
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for url, operation in (
        ("/api/v1/purchase-orders/1/cancel", "/api/v1/purchase-orders/{id}/cancel"),
        ("/api/v1/purchase-orders/1/invoices/1/approve", "/api/v1/purchase-orders/{id}/invoices/{invoice_id}/approve"),
    ):
        assert client.post(url, {}, format="json").status_code == 403
        assert "403" in paths[operation]["post"]["responses"]


def test_a_body_with_a_nul_byte_is_refused_and_kept_without_it(net):
    """A NUL in the JSON body crashed (500): the rejected document's raw text could not be stored."""
    client = client_with(f"Token {partner_key(net.partner)}")

    response = client.generic("POST", "/api/v1/partner/inventory", '{"rows": [\x00]}', "application/json")

    assert response.status_code == 400
    document = PartnerDocument.objects.get(pk=response.json()["document"])
    assert document.status == DocumentStatus.REJECTED and document.raw == '{"rows": []}'
