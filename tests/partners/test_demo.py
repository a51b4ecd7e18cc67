"""`make demo`'s dropship supplier: a partner for the demo's supplier location with SKU costs, a portal login,
and one web order routed to it whose purchase order is waiting in the portal."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from partners.demo import SUPPLIER_PASSWORD, SUPPLIER_USERNAME
from partners.models import Partner, PartnerSkuCost, PartnerUser, PurchaseOrder, PurchaseOrderStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_demo_supplier_gets_a_purchase_order_its_person_sees_in_the_portal(settings: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    _run("seed_demo", "--seed", "42", "--skus", "80")

    said = _run("seed_demo_partners")

    partner = Partner.objects.get(code="hearthloom")
    assert list(partner.locations.values_list("code", flat=True)) == ["ds-hearthloom"]
    assert PartnerSkuCost.objects.filter(partner=partner).count() > 0
    po = PurchaseOrder.objects.select_related("shipment__order").get(partner=partner)
    assert po.shipment is not None and po.shipment.order.external_id == "DEMO-DS-1001"
    assert po.status == PurchaseOrderStatus.SENT and po.total_cost > 0
    assert f"{SUPPLIER_USERNAME} / {SUPPLIER_PASSWORD}" in said and po.number in said

    portal = Client()
    assert portal.login(username=SUPPLIER_USERNAME, password=SUPPLIER_PASSWORD)
    page = portal.get(reverse("partners:portal_home"), follow=True).content.decode()
    assert po.number in page

    again = _run("seed_demo_partners")  # safe to repeat: nothing doubled, the password kept
    assert "0 new SKU costs" in again and "password unchanged" in again
    assert PurchaseOrder.objects.filter(partner=partner).count() == 1
    assert PartnerUser.objects.filter(partner=partner).count() == 1
