"""The order page's edits: forms on the page, a message after each, refusals that say what to fix."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.roles import STORE_ASSOCIATE
from fulfillment.models import RoutingDecision, ShipmentStatus
from fulfillment.services import shipment_accept
from fulfillment.services.work import picklist_create
from inventory.models import StockLevel
from returns.models import ReturnSource
from returns.services import ReturnLineInput, UnitInspection, return_inspect, return_receive, return_request
from tests.factories import SKUFactory, UserFactory, stocked, user_with_role
from tests.factories.orders import place_order
from tests.factories.returns import delivered_order, return_network

pytestmark = pytest.mark.django_db


def said(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def order(network: dict[str, Any]) -> Any:
    return place_order(
        network["web"], [("TEE-BLK-M", 2), ("MUG-WHT", 1)], postal_code="10001", line1="1 Penn Plaza"
    ).order


def test_the_order_page_offers_each_edit_before_pick(back_office_client: Any, order: Any) -> None:
    body = back_office_client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    for form in ("ship_to", "lines", "cancel_part", "tags", "comment"):
        assert f'action="{reverse(f"orders:{form}", args=[order.pk])}"' in body
    assert 'id="edit-location"' in body


def test_after_pick_the_forms_say_why_they_are_closed(back_office_client: Any, order: Any, network: Any) -> None:
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    picklist_create(location=network["newyork"], shipments=[shipment], actor=None)

    body = back_office_client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert "edits close once picking starts" in body
    assert reverse("orders:lines", args=[order.pk]) not in body


def test_a_new_ship_to_moves_the_order_and_the_message_says_why(back_office_client: Any, order: Any) -> None:
    response = back_office_client.post(
        reverse("orders:ship_to", args=[order.pk]),
        {"line1": "1 Main St", "city": "Dallas", "region": "TX", "postal_code": "75201", "country": "US"},
    )

    assert response.status_code == 302
    [message] = said(response)
    assert message.startswith(f"{order.number}: ship-to changed. Moved from nyc-dc to dal-dc:")


def test_a_ship_to_off_the_map_shows_the_page_again_with_what_was_typed(back_office_client: Any, order: Any) -> None:
    response = back_office_client.post(
        reverse("orders:ship_to", args=[order.pk]), {"line1": "9 Elm St", "postal_code": "00000", "country": "US"}
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert "We cannot place postal code 00000" in body
    assert 'value="9 Elm St"' in body
    assert 'id="ship-postal" maxlength="20" required value="00000" aria-invalid="true"' in body


def test_lines_are_changed_and_a_sku_found_by_its_code_is_added(
    back_office_client: Any, order: Any, network: Any
) -> None:
    cap: Any = SKUFactory(code="CAP-RED", name="Red cap")
    stocked(network["newyork"], cap, 5)
    tee, mug = order.lines.get(sku=network["tee"]), order.lines.get(sku=network["mug"])
    response = back_office_client.post(
        reverse("orders:lines", args=[order.pk]),
        {f"qty_{tee.pk}": "1", f"qty_{mug.pk}": "3", "add_sku": "cap-red", "add_quantity": "2"},
    )
    [message] = said(response)
    assert message.startswith(f"{order.number}: lines changed, stock reserved again. Shipped from nyc-dc")
    levels = dict(StockLevel.objects.filter(location=network["newyork"]).values_list("sku__code", "reserved"))
    assert levels == {"TEE-BLK-M": 1, "MUG-WHT": 3, "CAP-RED": 2}

    refused = back_office_client.post(reverse("orders:lines", args=[order.pk]), {"add_sku": "NOPE-1"})
    assert said(refused)[-1] == "No SKU has the code NOPE-1; type part of its name or code and pick it."


def test_the_sku_box_is_the_sku_picker(back_office_client: Any, order: Any) -> None:
    page = back_office_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    box = page[page.index('<span class="sku-picker"') : page.index('name="add_sku"')]
    assert reverse("inventory:sku_picker") in box
    answer = back_office_client.get(reverse("inventory:sku_picker"), {"q": "mug"}, HTTP_HX_REQUEST="true")
    assert 'data-code="MUG-WHT"' in answer.content.decode()


def test_part_of_the_order_is_cancelled_from_the_page(back_office_client: Any, order: Any, network: Any) -> None:
    tee = order.lines.get(sku=network["tee"])

    refused = back_office_client.post(reverse("orders:cancel_part", args=[order.pk]), {f"cancel_{tee.pk}": "1"})
    assert said(refused) == ["Say why these units are cancelled."]

    response = back_office_client.post(
        reverse("orders:cancel_part", args=[order.pk]), {f"cancel_{tee.pk}": "1", "reason": "one is enough"}
    )
    assert said(response)[-1].startswith(f"{order.number}: units cancelled. Shipped from nyc-dc")
    tee.refresh_from_db()
    assert tee.quantity_cancelled == 1


def test_the_locations_are_priced_and_one_is_chosen_by_hand(
    back_office_client: Any, back_office_user: Any, order: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(20):
        body = back_office_client.get(
            reverse("orders:locations", args=[order.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
    assert body.index('data-location="nyc-dc"') < body.index('data-location="dal-dc"')  # cheapest first
    assert "Ships from here now" in body

    response = back_office_client.post(reverse("orders:locations", args=[order.pk]), {"location": "dal-dc"})

    [message] = said(response)
    assert message.startswith(f"{order.number}: ships from dal-dc as you chose. Moved from nyc-dc to dal-dc:")
    assert order.shipments.get(status=ShipmentStatus.REQUESTED).location.code == "dal-dc"
    assert RoutingDecision.objects.filter(order=order).latest("pk").trigger == f"chosen by {back_office_user.username}"


def test_a_comment_links_the_person_it_mentions_and_shows_in_their_mentions(
    back_office_client: Any, order: Any
) -> None:
    UserFactory(username="ana")
    response = back_office_client.post(reverse("orders:comment", args=[order.pk]), {"comment": "@ana call them"})
    assert said(response) == ["Comment added. Mentioned: @ana."]

    body = back_office_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f'<a class="mention" href="{reverse("orders:mentions")}?user=ana">@ana</a> call them' in body
    mentions = back_office_client.get(reverse("orders:mentions"), {"user": "ana"}).content.decode()
    assert order.number in mentions and "call them" in mentions


def test_tags_filter_the_orders_list(back_office_client: Any, order: Any, network: Any) -> None:
    other = place_order(network["web"], [("TEE-BLK-M", 1)], external_id="B-2").order
    back_office_client.post(reverse("orders:tags", args=[order.pk]), {"tags": "VIP, gift"})

    body = back_office_client.get(reverse("orders:index"), {"tag": "vip"}).content.decode()

    assert order.number in body and other.number not in body
    assert "Only the orders tagged <strong>vip</strong>" in body


def test_people_without_the_permission_cannot_edit(client: Any, order: Any, store: Any) -> None:
    client.force_login(user_with_role(STORE_ASSOCIATE, locations=[store]))

    assert client.post(reverse("orders:lines", args=[order.pk]), {}).status_code == 403
    assert client.post(reverse("orders:locations", args=[order.pk]), {"location": "dal-dc"}).status_code == 403


def test_the_order_page_shows_each_returns_refund_and_its_status(back_office_client: Any) -> None:
    net = return_network()
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], postal_code="75201")
    rma = return_request(order=order, lines=[ReturnLineInput(1, "defective", sku="TEE-BLK-M")], source=ReturnSource.API)
    assert rma.return_location is not None
    return_receive(rma=rma, location=rma.return_location, actor=None)
    unit = rma.units.get()
    refund = return_inspect(rma=rma, inspections=[UnitInspection(unit.pk, "new", "restock")], actor=None).refund
    assert refund is not None

    body = back_office_client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert f"Refund {refund.amount} USD: {refund.get_status_display().lower()}" in body
