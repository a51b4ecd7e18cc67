"""A PO we cancel is seen as cancelled by a portal supplier (with the reason, on the Cancelled tab) and by an
API supplier, whose cancellations cursor lists it even though its PO cursor had walked past it long ago."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.roles import SUPPLIER
from partners.models import PartnerUser
from partners.services import purchase_order_cancel
from tests.factories import user_with_role
from tests.factories.partners import dropship_network, partner_key, po_of

pytestmark = pytest.mark.django_db
CANCELLATIONS = "/api/v1/partner/purchase-orders/cancellations"


@pytest.fixture
def net(db: Any) -> Any:
    return dropship_network()


def test_a_portal_supplier_sees_the_po_cancelled_with_our_reason(client: Any, net: Any) -> None:
    po = po_of(net.order([("TEE-BLK-M", 1)]))
    person = user_with_role(SUPPLIER, username="sam-acme")
    PartnerUser.objects.create(user=person, partner=net.partner)
    client.force_login(person)

    purchase_order_cancel(purchase_order=po, actor=None, reason="the customer changed their mind")

    page = client.get(reverse("partners:portal_po", args=[po.pk])).content.decode()
    assert "Cancelled:</strong> the customer changed their mind" in page and "Please do not ship it" in page
    listed = client.get(reverse("partners:portal_home"), {"tab": "cancelled"}).content.decode()
    assert po.number in listed


def test_the_api_cancellations_cursor_lists_an_old_po_cancelled_later(net: Any, django_assert_num_queries: Any) -> None:
    first, second = (po_of(net.order([("TEE-BLK-M", 1)], external_id=f"C-{n}")) for n in range(2))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {partner_key(net.partner)}")
    page = client.get(CANCELLATIONS).json()
    assert page["results"] == []
    kept = page["next"]

    purchase_order_cancel(purchase_order=second, actor=None, reason="out of stock at the supplier")
    purchase_order_cancel(purchase_order=first, actor=None, reason="duplicate order")

    with django_assert_num_queries(3):  # the key, the page, its lines
        page = client.get(kept).json()
    assert [(po["number"], po["status"], po["cancel_reason"]) for po in page["results"]] == [
        (second.number, "cancelled", "out of stock at the supplier"),
        (first.number, "cancelled", "duplicate order"),
    ]
    assert client.get(page["next"]).json()["results"] == []
