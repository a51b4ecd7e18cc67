"""Order staff pages: the list (tabs, search, filters, bulk actions), one order and its actions,
the manual order form, the CSV import, and the exceptions queue."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.roles import STORE_ASSOCIATE
from fulfillment.demo import seed_carriers
from fulfillment.models import CarrierService, Shipment, ShipmentStatus
from fulfillment.selectors.exceptions import order_exception_counts, order_exceptions
from fulfillment.services import cost_model_forget, order_hold, shipment_accept, shipment_label, shipment_pack
from inventory.models import LocationKind, StockLevel
from orders.models import Order, OrderEvent, OrderStatus
from tests.factories import LocationFactory, SKUFactory, UserFactory, stocked, user_with_role
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return response.content.decode()


def search(pattern: str, body: str, flags: int = 0) -> re.Match[str]:
    match = re.search(pattern, body, flags)
    assert match is not None, pattern
    return match


def flash(response) -> list[str]:
    """The messages this request added (not those still waiting from earlier redirects)."""
    storage: Any = get_messages(response.wsgi_request)
    return [str(message) for message in storage._queued_messages]


@pytest.fixture(autouse=True)
def carriers(db):
    seed_carriers()
    cost_model_forget()


@pytest.fixture
def dallas(db):
    return LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)


@pytest.fixture
def atlanta(db):
    return LocationFactory(
        code="atl-dc",
        name="Atlanta DC",
        kind=LocationKind.WAREHOUSE,
        city="Atlanta",
        region="GA",
        postal_code="30303",
        latitude="33.749000",
        longitude="-84.388000",
        timezone="America/New_York",
    )


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode="4006381333931", weight_grams=300)


@pytest.fixture
def mug(db):
    return SKUFactory(code="MUG-WHT", name="White mug", barcode="0012345678905", weight_grams=450)


@pytest.fixture
def stock(dallas, atlanta, tee, mug):
    stocked(dallas, tee, 50)
    stocked(atlanta, tee, 50)
    stocked(atlanta, mug, 20)


def ship_it(order: Order) -> None:
    """Walk every open shipment of an order to shipped through the services."""
    for shipment in Shipment.objects.filter(order=order, status=ShipmentStatus.REQUESTED):
        shipment_accept(shipment=shipment, actor=None)
        scans = [line.sku.barcode for line in shipment.lines.select_related("sku") for _ in range(line.quantity)]
        shipment_pack(shipment=shipment, scanned=scans, weight_grams=800, actor=None)
        shipment_label(shipment=shipment, actor=None)


# --- The list --------------------------------------------------------------------------------


def test_list_shows_orders_with_status_tabs_and_where_they_ship_from(back_office_client, web, stock):
    routed = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1", customer_name="Ada Lovelace").order
    place_order(web, [("TEE-BLK-M", 999)], external_id="W-2", customer_name="Grace Hopper")
    held = place_order(web, [("MUG-WHT", 1)], external_id="W-3").order
    order_hold(order=held, actor=None, reason="fraud check")

    response = back_office_client.get(reverse("orders:index"))
    assert response.status_code == 200
    body = text(response)
    tab = lambda name: search(rf'data-tab="{name}"[^>]*>[^<]*<span class="count">(\d+)</span>', body)  # noqa: E731
    assert tab("all").group(1) == "3"
    assert tab("routed").group(1) == "2"  # W-2 got the 100 units there are; the rest waits
    assert tab("on_hold").group(1) == "1"
    assert tab("cancelled").group(1) == "0"
    row = search(rf'<tr data-order="{routed.number}">.*?</tr>', body, re.S).group(0)
    assert "Ada Lovelace" in row and "Web shop" in row and ">Routed<" in row
    assert routed.shipments.get().location.code in row

    only_held = text(back_office_client.get(reverse("orders:index"), {"status": "on_hold"}))
    assert held.number in only_held and routed.number not in only_held


def test_search_by_number_external_id_name_and_email(back_office_client, web, stock):
    first = place_order(web, [("TEE-BLK-M", 1)], external_id="SHOP-7781", customer_name="Ada Lovelace").order
    second = place_order(
        web, [("TEE-BLK-M", 1)], external_id="SHOP-9912", customer_name="Grace Hopper", customer_email="grace@navy.mil"
    ).order

    def found(q: str) -> set[str]:
        body = text(back_office_client.get(reverse("orders:index"), {"q": q}))
        return set(re.findall(r'<tr data-order="(SO-\d+)">', body))

    assert found(first.number) == {first.number}
    assert found(first.number.lower().replace("so-0000", "so-")) == {first.number}
    assert found("7781") == {first.number}
    assert found("hopper") == {second.number}
    assert found("navy.mil") == {second.number}
    assert found("nobody") == set()
    assert "No orders match" in text(back_office_client.get(reverse("orders:index"), {"q": "nobody"}))


def test_filters_by_channel_location_date_and_status(back_office_client, web, market, dallas, atlanta, stock):
    from_dallas = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1", postal_code="75201").order
    from_atlanta = place_order(market, [("MUG-WHT", 1)], external_id="M-1", postal_code="30303").order
    old = place_order(web, [("TEE-BLK-M", 1)], external_id="W-OLD", placed_at=timezone.now() - timedelta(days=40)).order
    assert from_dallas.shipments.get().location == dallas
    assert from_atlanta.shipments.get().location == atlanta

    def found(**params) -> set[str]:
        body = text(back_office_client.get(reverse("orders:index"), params))
        return set(re.findall(r'<tr data-order="(SO-\d+)">', body))

    assert found(channel="market") == {from_atlanta.number}
    assert from_dallas.number in found(location="dal-dc")
    assert from_atlanta.number not in found(location="dal-dc")
    assert found(location="atl-dc") >= {from_atlanta.number}
    since = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert found(placed_from=since) == {from_dallas.number, from_atlanta.number}
    assert found(placed_to=since) == {old.number}
    assert found(status="routed", channel="web", placed_from=since) == {from_dallas.number}
    # A nonsense value is ignored, never an error page.
    assert back_office_client.get(reverse("orders:index"), {"placed_from": "soon", "channel": "?"}).status_code == 200


def test_list_answers_htmx_with_the_results_only(back_office_client, web, stock):
    place_order(web, [("TEE-BLK-M", 1)], external_id="W-1")
    body = text(back_office_client.get(reverse("orders:index"), {"status": "routed"}, **HTMX))
    assert body.lstrip().startswith('<div id="order-results"')
    assert "<html" not in body


#: session, user, 2 permission lookups, channels and locations to filter by, status counts, page count,
#: the page of orders, their shipments, their tags, the list's saved views.
LIST_QUERIES = 12


def test_list_queries_do_not_grow_with_the_orders(back_office_client, web, stock, django_assert_num_queries):
    place_order(web, [("TEE-BLK-M", 1)], external_id="W-0")
    with django_assert_num_queries(LIST_QUERIES):
        back_office_client.get(reverse("orders:index"))
    for n in range(1, 15):
        place_order(web, [("TEE-BLK-M", 1), ("MUG-WHT", 1)], external_id=f"W-{n}")
    with django_assert_num_queries(LIST_QUERIES):
        back_office_client.get(reverse("orders:index"))
    with django_assert_num_queries(LIST_QUERIES):
        back_office_client.get(reverse("orders:index"), {"q": "W-1", "location": "atl-dc", "status": "routed"})


# --- Bulk actions ----------------------------------------------------------------------------


def test_bulk_cancel_names_the_orders_it_could_not_cancel(back_office_client, web, stock):
    first = place_order(web, [("TEE-BLK-M", 2)], external_id="W-1").order
    second = place_order(web, [("MUG-WHT", 1)], external_id="W-2").order
    shipped = place_order(web, [("TEE-BLK-M", 1)], external_id="W-3").order
    ship_it(shipped)
    shipped.refresh_from_db()
    assert shipped.status == OrderStatus.SHIPPED

    back = reverse("orders:index") + "?status=routed"
    response = back_office_client.post(
        reverse("orders:bulk"),
        {"action": "cancel", "orders": [first.pk, second.pk, shipped.pk], "reason": "test", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    assert flash(response) == [
        f"2 cancelled; {shipped.number} was not cancelled: it has shipped; start a return instead of cancelling."
    ]
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == OrderStatus.CANCELLED
    assert statuses[shipped.pk] == OrderStatus.SHIPPED
    assert StockLevel.objects.filter(reserved__gt=0).count() == 0


def test_bulk_hold_release_and_reroute(back_office_client, web, stock):
    orders = [place_order(web, [("TEE-BLK-M", 1)], external_id=f"W-{n}").order for n in range(3)]
    ids = [order.pk for order in orders]
    response = back_office_client.post(reverse("orders:bulk"), {"action": "hold", "orders": ids, "reason": "audit"})
    assert flash(response) == ["3 held."]
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.ON_HOLD}
    assert OrderEvent.objects.filter(message__contains="audit").count() == 3

    response = back_office_client.post(reverse("orders:bulk"), {"action": "reroute", "orders": ids})
    refused = "; ".join(f"{o.number} was not re-routed: it is on hold; release it to route it again" for o in orders)
    assert flash(response) == [f"0 re-routed; {refused}."]

    response = back_office_client.post(reverse("orders:bulk"), {"action": "release", "orders": ids})
    assert flash(response) == ["3 released."]
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.ROUTED}

    response = back_office_client.post(reverse("orders:bulk"), {"action": "reroute", "orders": ids[:2]})
    assert flash(response) == ["2 re-routed."]


def test_bulk_refuses_nothing_ticked_and_unknown_actions(back_office_client, web, stock):
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1").order
    response = back_office_client.post(reverse("orders:bulk"), {"action": "cancel"})
    assert response.status_code == 302 and flash(response) == ["Nothing was done: Tick some orders."]
    response = back_office_client.post(reverse("orders:bulk"), {"action": "explode", "orders": [order.pk]})
    assert response.status_code == 302 and flash(response)[0].startswith("Nothing was done")
    response = back_office_client.post(reverse("orders:bulk"), {"action": "cancel", "next": "https://evil.example/"})
    assert response["Location"] == reverse("orders:index")
    order.refresh_from_db()
    assert order.status == OrderStatus.ROUTED


def test_bulk_and_single_actions_need_their_permission(client, web, stock):
    from django.contrib.auth.models import Permission

    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1").order
    viewer: Any = UserFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)
    assert client.get(reverse("orders:index")).status_code == 200
    assert 'name="action" value="cancel"' not in text(client.get(reverse("orders:index")))
    assert client.post(reverse("orders:bulk"), {"action": "cancel", "orders": [order.pk]}).status_code == 403
    assert client.post(reverse("orders:action", args=[order.pk, "hold"])).status_code == 403
    assert client.get(reverse("orders:create")).status_code == 403
    assert client.get(reverse("orders:import")).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.ROUTED


def test_store_associates_cannot_open_orders(client, store, web, stock):
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1").order
    client.force_login(user_with_role(STORE_ASSOCIATE, username="sam", locations=[store]))
    for url in (
        reverse("orders:index"),
        reverse("orders:detail", args=[order.pk]),
        reverse("orders:exceptions"),
        reverse("orders:create"),
    ):
        assert client.get(url).status_code == 403, url
    assert 'href="/orders/"' not in text(client.get(reverse("ui:dashboard")))


# --- One order -------------------------------------------------------------------------------


def test_order_page_shows_lines_shipment_routing_reason_and_timeline(back_office_client, web, stock):
    order = place_order(
        web, [("TEE-BLK-M", 2), ("MUG-WHT", 1)], external_id="W-1", postal_code="30303", customer_name="Ada Lovelace"
    ).order
    shipment = order.shipments.get()
    assert shipment.location.code == "atl-dc"
    body = text(back_office_client.get(reverse("orders:detail", args=[order.pk])))
    assert f"{order.number} " in body and ">Routed<" in body and "Ada Lovelace" in body
    assert re.search(r'data-shipment="SH-\d+" data-location="atl-dc"', body)
    service = CarrierService.objects.select_related("carrier").get(
        carrier__code=shipment.carrier, code=shipment.service
    )
    assert "Atlanta DC" in body and f"{service.carrier.name} {service.name}" in body
    reason = search(r'data-figure="routing-reason">([^<]+)<', body).group(1)
    assert reason == order.routing_reason and "atl-dc" in reason
    assert "Shipping" in body and "Handling" in body  # the cost breakdown
    tee_row = search(r'<tr data-sku="TEE-BLK-M">.*?</tr>', body, re.S).group(0)
    assert re.search(r'data-cell="quantity">2<', tee_row) and re.search(r'data-cell="allocated">2<', tee_row)
    assert "received from Web shop" in body  # the timeline
    assert body.index("Routed (new order)") < body.index("received from Web shop")  # newest first


def test_order_page_lists_runner_up_plans_and_earlier_decisions(back_office_client, web, stock, mug):
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1", postal_code="75201").order
    back_office_client.post(reverse("orders:action", args=[order.pk, "reroute"]), {"reason": "customer asked"})
    body = text(back_office_client.get(reverse("orders:detail", args=[order.pk])))
    assert 'id="alternatives"' in body and "atl-dc" in body  # the runner-up
    assert "1 earlier decision" in body
    assert "Re-route: customer asked" in body


def test_order_actions_hold_release_reroute_cancel(back_office_client, web, stock):
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1").order
    url = lambda action: reverse("orders:action", args=[order.pk, action])  # noqa: E731

    response = back_office_client.post(url("hold"), {"reason": "address check"})
    assert response.status_code == 302 and response["Location"] == reverse("orders:detail", args=[order.pk])
    assert "is on hold" in flash(response)[0]
    body = text(back_office_client.get(reverse("orders:detail", args=[order.pk])))
    assert "Release hold" in body and "address check" in body

    response = back_office_client.post(url("reroute"))
    assert flash(response) == [f"Order {order.number} is on hold; release it to route it again."]

    response = back_office_client.post(url("release"))
    assert flash(response) == [f"{order.number} released: it is routed."]

    response = back_office_client.post(url("cancel"), {"reason": "customer changed their mind"})
    assert flash(response) == [f"{order.number} cancelled; its reserved stock is available again."]
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert OrderEvent.objects.filter(order=order, message__contains="customer changed their mind").exists()
    assert back_office_client.post(url("explode")).status_code == 404


def test_refusals_are_messages_not_errors(back_office_client, web, stock):
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1").order
    ship_it(order)
    response = back_office_client.post(reverse("orders:action", args=[order.pk, "cancel"]))
    assert response.status_code == 302
    assert flash(response) == [f"Order {order.number} has shipped; start a return instead of cancelling."]
    page = back_office_client.get(reverse("orders:detail", args=[order.pk]))
    assert page.status_code == 200 and 'data-figure="tracking"' in text(page)
    assert back_office_client.get(reverse("orders:detail", args=[999999])).status_code == 404


def test_one_shipment_can_be_taken_from_its_location_and_rerouted(back_office_client, web, stock, dallas):
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1", postal_code="75201").order
    shipment = order.shipments.get()
    assert shipment.location == dallas
    url = reverse("orders:shipment_reject", args=[order.pk, shipment.pk])
    response = back_office_client.post(url, {"reason": ""})
    assert flash(response) == ["Say why the shipment is rejected."]
    response = back_office_client.post(url, {"reason": "dock flooded"})
    assert flash(response)[0].startswith(f"{shipment.number} taken from dal-dc. Re-routed: Shipped from atl-dc")
    live = order.shipments.exclude(status=ShipmentStatus.REJECTED).get()
    assert live.location.code == "atl-dc"
    assert back_office_client.post(reverse("orders:shipment_reject", args=[order.pk, 999999])).status_code == 404


#: session, user, 2 permission lookups, the order, lines, shipments, their lines, tracking events, timeline,
#: routing decisions, carrier service names.
ORDER_PAGE_QUERIES = 15  # 12 + the order's returns (returns panel) + the boxes of its shipments + its tags


def test_order_page_queries_do_not_grow(back_office_client, web, stock, django_assert_num_queries):
    small = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1").order
    big = place_order(web, [("TEE-BLK-M", 60), ("MUG-WHT", 3)], external_id="W-2").order
    assert big.shipments.count() == 2
    with django_assert_num_queries(ORDER_PAGE_QUERIES):
        back_office_client.get(reverse("orders:detail", args=[small.pk]))
    with django_assert_num_queries(ORDER_PAGE_QUERIES):
        back_office_client.get(reverse("orders:detail", args=[big.pk]))


# --- The manual order form -------------------------------------------------------------------


def order_form(**overrides) -> dict:
    data = {
        "channel": "web",
        "external_id": "PHONE-1",
        "customer_name": "Ada Lovelace",
        "customer_email": "ada@example.com",
        "postal_code": "30303",
        "country": "US",
        "delivery_method": "ship",
        "service_level": "standard",
        "line_sku": ["TEE-BLK-M", "MUG-WHT", ""],
        "line_qty": ["2", "1", ""],
        "line_price": ["19.99", "", ""],
    }
    data.update(overrides)
    return data


def test_a_manual_order_promised_for_1900_is_refused_and_nothing_is_placed(back_office_client, web, stock):
    response = back_office_client.post(reverse("orders:create"), order_form(promised_delivery_date="1900-01-01"))
    assert response.status_code == 422
    assert "The promised date 1900-01-01 is before the order was placed" in text(response)
    assert not Order.objects.exists()


def test_manual_order_is_placed_routed_and_says_where(back_office_client, back_office_user, web, market, stock):
    page = back_office_client.get(reverse("orders:create"))
    assert page.status_code == 200
    body = text(page)
    assert re.search(r'<option value="web" selected>', body)  # the web shop is the default channel
    assert re.search(r'name="external_id" value="MAN-[0-9A-F]{8}"', body)
    assert body.count('name="line_sku"') == 3

    response = back_office_client.post(reverse("orders:create"), order_form())
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("orders:detail", args=[order.pk])
    assert flash(response) == [f"{order.number} placed. {order.routing_reason}"]
    assert "atl-dc" in order.routing_reason
    assert order.status == OrderStatus.ROUTED and order.channel == web
    assert [(line.sku.code, line.quantity, str(line.unit_price)) for line in order.lines.all()] == [
        ("TEE-BLK-M", 2, "19.99"),
        ("MUG-WHT", 1, "0.00"),
    ]
    assert order.events.filter(kind="created", actor=back_office_user).exists()

    again = back_office_client.post(reverse("orders:create"), order_form())
    assert again["Location"] == reverse("orders:detail", args=[order.pk])
    assert "nothing new was created" in flash(again)[0]
    assert Order.objects.count() == 1


def test_unknown_sku_is_shown_on_its_row_and_nothing_is_written(back_office_client, web, stock):
    data = order_form(line_sku=["TEE-BLK-M", "NOPE-1", ""], line_qty=["1", "2", ""], line_price=["", "", ""])
    response = back_office_client.post(reverse("orders:create"), data)
    assert response.status_code == 422
    body = text(response)
    rows = re.findall(r"<tr(?: class=\"has-error\")?>.*?</tr>", body.split('id="lines"')[1], re.S)
    assert "Line 2: unknown SKU &#x27;NOPE-1&#x27;." in rows[2] and 'value="NOPE-1" placeholder' in rows[2]
    assert 'aria-invalid="true"' in rows[2] and "field-error" not in rows[1]
    assert 'value="Ada Lovelace"' in body  # what was typed stays
    assert Order.objects.count() == 0 and OrderEvent.objects.count() == 0
    assert StockLevel.objects.filter(reserved__gt=0).count() == 0


def test_form_errors_land_on_their_fields(back_office_client, web, stock, store):
    response = back_office_client.post(reverse("orders:create"), order_form(postal_code="00000"))
    assert response.status_code == 422
    assert re.search(r'id="id_postal_code_error"><li>&#x27;00000&#x27; is not a known US ZIP code', text(response))

    response = back_office_client.post(reverse("orders:create"), order_form(line_qty=["0", "x", ""]))
    body = text(response)
    assert "The quantity must be at least 1." in body and "Enter a whole number of units." in body

    response = back_office_client.post(reverse("orders:create"), order_form(delivery_method="pickup"))
    assert "Choose the store the customer picks up from." in text(response)

    response = back_office_client.post(
        reverse("orders:create"),
        order_form(line_sku=["", "", ""], line_qty=["", "", ""], line_price=["", "", ""], customer_name=""),
    )
    body = text(response)
    assert "Add at least one line" in body and 'id="id_customer_name_error"' in body
    assert Order.objects.count() == 0


def test_add_line_works_with_and_without_javascript(back_office_client, web):
    row = back_office_client.get(reverse("orders:line_row"), **HTMX)
    assert row.status_code == 200 and text(row).count('name="line_sku"') == 1 and "<html" not in text(row)
    data = order_form(add_line="1")
    response = back_office_client.post(reverse("orders:create"), data)
    body = text(response)
    assert body.count('name="line_sku"') == 4 and 'value="MUG-WHT"' in body
    assert "field-error" not in body and Order.objects.count() == 0


# --- CSV import ------------------------------------------------------------------------------

GOOD_CSV = """channel,external_id,customer_name,email,postal_code,service,sku,quantity,unit_price
web,W-1001,Ada Lovelace,ada@example.com,10001,standard,TEE-BLK-M,2,19.99
web,W-1001,Ada Lovelace,ada@example.com,10001,standard,MUG-WHT,1,12.50
market,112-4471,Grace Hopper,,60601,express,TEE-BLK-M,1,21.00
"""


def upload(client, content: str):
    return client.post(reverse("orders:import"), {"file": SimpleUploadedFile("orders.csv", content.encode())})


def test_csv_import_creates_one_order_per_external_id(back_office_client, web, market, stock):
    response = upload(back_office_client, GOOD_CSV)
    assert response.status_code == 200
    body = text(response)
    assert "Import complete" in body and re.search(r'data-figure="created">2<', body)
    assert "Imported 2 orders from 3 rows." in body
    ada = Order.objects.get(external_id="W-1001")
    assert ada.channel == web and ada.lines.count() == 2 and ada.status == OrderStatus.ROUTED
    assert str(ada.subtotal) == "52.48"
    grace = Order.objects.get(external_id="112-4471")
    assert grace.channel == market and grace.service_level == "express"
    assert ada.number in body and ada.routing_reason in body

    again = upload(back_office_client, GOOD_CSV)
    assert "Imported 0 orders from 3 rows; 2 already imported, left as they were." in text(again)
    assert Order.objects.count() == 2


def test_csv_import_reports_every_bad_row_and_writes_nothing(back_office_client, web, market, stock):
    bad = GOOD_CSV + (
        "shop-x,X-1,Ann,,10001,,TEE-BLK-M,1,\n"
        "web,W-2,Bob,not-an-email,00000,warp,NOPE,0,abc\n"
        "web,W-1001,Someone Else,ada@example.com,10001,standard,MUG-WHT,1,1.00\n"
    )
    response = upload(back_office_client, bad)
    assert response.status_code == 422
    body = text(response)
    assert "Nothing was imported" in body
    errors = re.findall(r'<tr><td class="num">(\d+)</td><td class="mono">([^<]+)</td><td>([^<]+)</td></tr>', body)
    assert [(line, column) for line, column, _ in errors] == [
        ("5", "channel"),
        ("6", "email"),
        ("6", "postal_code"),
        ("6", "service"),
        ("6", "sku"),
        ("6", "quantity"),
        ("6", "unit_price"),
        ("7", "customer_name"),
    ]
    assert "unknown channel &#x27;shop-x&#x27;." in body and "unknown SKU &#x27;NOPE&#x27;." in body
    assert "differs from line 2, the first row of order W-1001." in body
    assert Order.objects.count() == 0 and StockLevel.objects.filter(reserved__gt=0).count() == 0


def test_csv_import_refuses_a_file_that_is_not_an_order_csv(back_office_client, web):
    response = upload(back_office_client, "location,sku,on_hand\ndal-dc,TEE,1\n")
    assert response.status_code == 422 and "Missing column(s): channel, external_id" in text(response)
    response = back_office_client.post(reverse("orders:import"), {}, **HTMX)
    assert response.status_code == 422 and 'id="import-panel"' in text(response)
    assert "<html" not in text(response)


def test_import_page_documents_the_format(back_office_client):
    body = text(back_office_client.get(reverse("orders:import")))
    assert "channel,external_id,customer_name,email,postal_code,service,sku,quantity,unit_price" in body


# --- Exceptions ------------------------------------------------------------------------------


def test_exceptions_queue_counts_each_kind_and_lists_the_orders(back_office_client, web, stock):
    partly = place_order(web, [("MUG-WHT", 25)], external_id="W-PART").order
    held = place_order(web, [("TEE-BLK-M", 1)], external_id="W-HOLD").order
    order_hold(order=held, actor=None)
    late = place_order(web, [("TEE-BLK-M", 1)], external_id="W-LATE").order
    Shipment.objects.filter(order=late).update(estimated_delivery=timezone.localdate() - timedelta(days=2))
    fine = place_order(web, [("TEE-BLK-M", 1)], external_id="W-OK").order
    assert partly.status == OrderStatus.ROUTED and partly.shipments.exists()

    body = text(back_office_client.get(reverse("orders:exceptions")))

    def count(kind: str) -> str:
        return search(rf'\?kind={kind}"[^>]*>[^<]*<span class="count">(\d+)</span>', body).group(1)

    assert count("backordered") == "1" and count("unroutable") == "0"
    assert count("on_hold") == "1" and count("late") == "1"
    backordered = text(back_office_client.get(reverse("orders:exceptions"), {"kind": "backordered"}))
    assert partly.number in backordered and "Waiting for stock: MUG-WHT x 5" in backordered
    assert fine.number not in backordered
    late_page = text(back_office_client.get(reverse("orders:exceptions"), {"kind": "late"}))
    assert late.number in late_page and "was due" in late_page
    held_page = text(back_office_client.get(reverse("orders:exceptions"), {"kind": "on_hold"}, **HTMX))
    assert held.number in held_page and "<html" not in held_page


def test_an_evening_shipment_is_not_late_once_utc_has_passed_midnight(web, stock):
    """Ship-by dates are the location's local dates: 21:30 in New York is already tomorrow in UTC."""
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-EVENING").order
    shipment = order.shipments.get()
    zone = ZoneInfo(shipment.location.timezone)
    evening = datetime(2026, 3, 10, 21, 30, tzinfo=zone)
    Shipment.objects.filter(pk=shipment.pk).update(ship_by=evening.date(), estimated_delivery=evening.date())
    staff = UserFactory(is_superuser=True)

    assert evening.astimezone(UTC).date() > evening.date()  # UTC is past midnight already
    assert order_exception_counts(user=staff, now=evening)["late"] == 0
    next_morning = evening + timedelta(hours=12)
    assert order_exception_counts(user=staff, now=next_morning)["late"] == 1
    assert [o.pk for o in order_exceptions(user=staff, kind="late", now=next_morning)] == [order.pk]


def test_the_exceptions_queue_points_to_channel_orders_held_before_they_became_orders(back_office_client, web):
    from marketplaces.models import ChannelOrder, ChannelOrderStatus

    assert 'data-notice="channel-held"' not in text(back_office_client.get(reverse("orders:exceptions")))
    for n in range(2):
        ChannelOrder.objects.create(
            channel=web, external_id=f"W-HELD-{n}", status=ChannelOrderStatus.HELD, hold_reason="SKU AB-12 not listed"
        )
    ChannelOrder.objects.create(channel=web, external_id="W-FINE", status=ChannelOrderStatus.IMPORTED)

    body = text(back_office_client.get(reverse("orders:exceptions")))
    assert 'data-notice="channel-held"' in body
    assert f'href="{reverse("channels:detail", args=[web.code])}#held-title">2 from {web.name}</a>' in body


def test_unroutable_orders_have_no_shipment_at_all(back_office_client, web, stock):
    SKUFactory(code="GHOST", name="Never stocked")
    ghost = place_order(web, [("GHOST", 1)], external_id="W-GHOST").order
    assert ghost.status == OrderStatus.BACKORDERED and not ghost.shipments.exists()
    body = text(back_office_client.get(reverse("orders:exceptions"), {"kind": "unroutable"}))
    assert ghost.number in body and "Waiting for stock: GHOST x 1" in body
