"""The audit trail's pages: who may read it, the search, the History panels, attribution over HTTP."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.services.keys import channel_create
from core.roles import WAREHOUSE_OPERATOR
from fulfillment.models import Carrier, CarrierService
from inventory.models import SKU
from inventory.services import sku_update
from partners.models import PartnerContact
from tests.factories import SKUFactory, user_with_role
from tests.factories.partners import PartnerFactory

pytestmark = pytest.mark.django_db


def page(response: Any) -> str:
    return response.content.decode()


def test_a_change_over_the_api_names_the_tokens_user(sku: Any, back_office_user: Any, back_office_client: Any) -> None:
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=back_office_user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.patch(f"/api/v1/skus/{sku.code}", {"price": "21.00"}, format="json").status_code == 200

    history = page(back_office_client.get(reverse("audit:object_history", args=["inventory", "sku", sku.pk])))
    assert "backoffice" in history
    assert "<del>19.99</del>" in history and "<ins>21.00</ins>" in history


def test_a_change_on_a_page_names_the_signed_in_person(warehouse: Any, back_office_client: Any) -> None:
    data = {
        "name": "Dallas DC (north)",
        "kind": "warehouse",
        "postal_code": "75201",
        "country": "US",
        "timezone": "America/Chicago",
        "priority": "100",
        "is_active": "on",
        "ships_orders": "on",
    }
    assert back_office_client.post(reverse("inventory:location_edit", args=[warehouse.code]), data).status_code == 302

    panel = back_office_client.get(
        reverse("audit:object_history", args=["inventory", "location", warehouse.pk]), HTTP_HX_REQUEST="true"
    )
    assert "<html" not in page(panel)  # only the panel
    assert "<del>Dallas DC</del>" in page(panel) and "<ins>Dallas DC (north)</ins>" in page(panel)
    assert "backoffice" in page(panel)


def test_object_pages_carry_a_history_panel_for_those_allowed(
    sku: Any, warehouse: Any, back_office_client: Any
) -> None:
    partner: Any = PartnerFactory(code="acme")
    channel = channel_create(code="shop", name="Shop", kind="web")
    carrier = Carrier.objects.create(code="ups", name="UPS")
    service = CarrierService.objects.create(carrier=carrier, code="ground", name="Ground", level="standard")
    for url, history in [
        (reverse("channels:detail", args=[channel.code]), f"/audit/channels/channel/{channel.pk}/"),
        (
            reverse("fulfillment:service_rates", args=[carrier.code, service.code]),
            f"/audit/fulfillment/carrierservice/{service.pk}/",
        ),
        (reverse("inventory:sku_detail", args=[sku.code]), f"/audit/inventory/sku/{sku.pk}/"),
        (reverse("inventory:location_detail", args=[warehouse.code]), f"/audit/inventory/location/{warehouse.pk}/"),
        (reverse("partners:partner_detail", args=[partner.pk]), f"/audit/partners/partner/{partner.pk}/"),
        (reverse("fulfillment:routing"), "/audit/fulfillment/routingpolicy/"),
    ]:
        response = back_office_client.get(url)
        assert response.status_code == 200, url
        assert f'hx-get="{history}"' in page(response), url
        assert back_office_client.get(history).status_code == 200


def test_people_without_the_permission_see_neither_page_nor_panel(client: Any, warehouse: Any, sku: Any) -> None:
    operator = user_with_role(WAREHOUSE_OPERATOR, username="op", locations=[warehouse])
    client.force_login(operator)
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:object_history", args=["inventory", "sku", sku.pk])).status_code == 403
    sku_page = page(client.get(reverse("inventory:sku_detail", args=[sku.code])))
    assert "/audit/" not in sku_page


def test_unknown_kinds_are_not_found(back_office_client: Any) -> None:
    assert back_office_client.get("/audit/orders/order/1/").status_code == 404


def test_search_by_record_person_text_and_dates(
    sku: Any, back_office_user: Any, admin_user: Any, acting_as: Any, back_office_client: Any
) -> None:
    with acting_as(back_office_user):
        sku_update(sku=sku, name="Black tee, medium")
    with acting_as(admin_user):
        acme: Any = PartnerFactory(code="acme")
        contact = PartnerContact.objects.create(partner=acme, name="Jo Marsh")

    def found(**query: str) -> str:
        response = back_office_client.get(reverse("audit:list"), query)
        assert response.status_code == 200
        return page(response)

    everything = found()
    assert "Black tee, medium" in everything and "Contact Jo Marsh" in everything
    # Each change links to the history of the page it belongs to (a contact: its partner's).
    assert f'href="/audit/partners/partner/{contact.partner_id}/"' in everything
    assert f'href="/audit/inventory/sku/{sku.pk}/"' in everything
    by_model = found(model="partners.partnercontact")
    assert "Contact Jo Marsh" in by_model and "Black tee, medium" not in by_model
    by_object = found(model="partners.partnercontact", object=str(contact.pk + 1))
    assert "No change matches these filters." in by_object
    by_person = found(user="backoffice")
    assert "Black tee, medium" in by_person and "Jo Marsh" not in by_person
    by_text = found(q="marsh")
    assert "Jo Marsh" in by_text and "Black tee" not in by_text
    today = timezone.now().date()
    assert "Jo Marsh" in found(since=str(today), until=str(today))
    assert "No change matches" in found(until=str(today - timedelta(days=1)))
    wrong = found(object="12")
    assert "Choose the kind of record the object id belongs to." in wrong
    backwards = found(since=str(today), until=str(today - timedelta(days=2)))
    assert "The end date is before the start date." in backwards


def test_htmx_search_answers_the_results_only(sku: Any, back_office_client: Any) -> None:
    response = back_office_client.get(reverse("audit:list"), {"q": sku.code}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="audit-results"' in page(response) and "<html" not in page(response)


def test_the_list_costs_the_same_queries_however_many_changes(
    back_office_user: Any, acting_as: Any, back_office_client: Any, django_assert_num_queries: Any
) -> None:
    def make_changes(count: int) -> None:
        with acting_as(back_office_user):
            for _ in range(count):
                sku: Any = SKUFactory()
                sku_update(sku=sku, price=Decimal("3.00"))
                partner: Any = PartnerFactory()
                PartnerContact.objects.create(partner=partner, name="Jo")

    url = reverse("audit:list")
    back_office_client.get(url)  # warm the session and permission caches
    make_changes(2)
    with django_assert_num_queries(QUERIES_FOR_THE_LIST):
        assert "Contact Jo" in page(back_office_client.get(url))
    make_changes(20)
    assert SKU.objects.count() == 22
    with django_assert_num_queries(QUERIES_FOR_THE_LIST):
        back_office_client.get(url)


def test_a_history_panel_costs_the_same_queries_however_long_the_history(
    sku: Any, back_office_user: Any, acting_as: Any, back_office_client: Any, django_assert_num_queries: Any
) -> None:
    url = reverse("audit:object_history", args=["inventory", "sku", sku.pk])
    back_office_client.get(url)  # warm the session and permission caches
    with acting_as(back_office_user):
        sku_update(sku=sku, price=Decimal("20.00"))
    with django_assert_num_queries(QUERIES_FOR_A_SKU_PANEL):
        back_office_client.get(url, HTTP_HX_REQUEST="true")
    with acting_as(back_office_user):
        for cents in range(10):
            sku_update(sku=sku, price=Decimal(f"21.{cents:02d}"))
    with django_assert_num_queries(QUERIES_FOR_A_SKU_PANEL):
        assert page(back_office_client.get(url, HTTP_HX_REQUEST="true")).count("audit-change") >= 11


#: Session, user and the SKU, then for each model shown on a SKU's page its newest rows and the rows before them.
QUERIES_FOR_A_SKU_PANEL = 9


#: Session and user, then per audited model its newest rows, the rows before them and their many-to-many sets.
QUERIES_FOR_THE_LIST = 25


def test_a_deleted_objects_history_stays_readable(sku: Any, back_office_client: Any) -> None:
    acme: Any = PartnerFactory(code="acme")
    contact = PartnerContact.objects.create(partner=acme, name="Jo Marsh")
    partner_id = contact.partner_id
    contact.delete()

    response = back_office_client.get(reverse("audit:object_history", args=["partners", "partner", partner_id]))
    assert "Deleted" in page(response) and "Contact Jo Marsh" in page(response)
    gone = back_office_client.get(reverse("audit:object_history", args=["inventory", "sku", sku.pk + 999]))
    assert gone.status_code == 200 and "SKU #" in page(gone) and "(deleted)" in page(gone)
