"""Sign-in, sign-out, password change, the dashboard, and the pages of areas that arrive later."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.roles import WAREHOUSE_OPERATOR
from inventory.models import StockMovement
from inventory.services import DocumentRef, StockLine, stock_reserve
from tests.factories import stocked, user_with_role
from tests.factories.pages import make_location, make_sku

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # the UserFactory default


def text(response) -> str:
    return response.content.decode()


def test_login_page_works_for_anonymous_users(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = text(response)
    assert '<label for="id_username">' in body and '<label for="id_password">' in body
    assert 'class="main-nav"' not in body  # no navigation before signing in
    assert "django_htmx/htmx-2.min.js" in body and "css/app.css" in body


def test_sign_in_through_the_form(client, back_office_user):
    response = client.post(reverse("login"), {"username": "backoffice", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("ui:dashboard")
    dashboard = client.get(reverse("ui:dashboard"))
    assert dashboard.status_code == 200 and 'class="main-nav"' in text(dashboard)


def test_sign_in_returns_to_the_page_asked_for(client, back_office_user):
    response = client.post(
        reverse("login") + "?next=/inventory/", {"username": "backoffice", "password": PASSWORD, "next": "/inventory/"}
    )
    assert response["Location"] == "/inventory/"


def test_wrong_password_says_so(client, back_office_user):
    response = client.post(reverse("login"), {"username": "backoffice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in text(response)
    assert 'role="alert"' in text(response)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/inventory/",
        "/inventory/export.csv",
        "/inventory/import/",
        "/inventory/add-sku/",
        "/inventory/skus/TEE-BLK-M/",
        "/inventory/skus/TEE-BLK-M/edit/",
        "/inventory/skus/TEE-BLK-M/locations/dal-dc/receive/",
        "/locations/",
        "/add-location/",
        "/locations/dal-dc/",
        "/locations/dal-dc/edit/",
        "/transfers/",
        "/transfers/new/",
        "/transfers/1/",
        "/orders/",
        "/channels/",
        "/returns/",
        "/fulfillment/pickups/",
        "/accounts/password_change/",
    ],
)
def test_anonymous_users_are_sent_to_sign_in_from_every_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_anonymous_post_changes_nothing(client, warehouse, sku):
    stocked(warehouse, sku, 2)
    before = StockMovement.objects.count()
    url = reverse("inventory:stock_receive", kwargs={"code": sku.code, "location_code": warehouse.code})
    response = client.post(url, {"quantity": "5"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert StockMovement.objects.count() == before


def test_sign_out_is_a_post_and_says_so(back_office_client):
    page = text(back_office_client.get(reverse("ui:dashboard")))
    assert re.search(
        r'<form method="post" action="/accounts/logout/">\s*<input type="hidden" name="csrfmiddlewaretoken"', page
    )
    assert back_office_client.get(reverse("logout")).status_code == 405

    response = back_office_client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    login_page = text(back_office_client.get(reverse("login")))
    assert "You have signed out." in login_page
    assert back_office_client.get(reverse("ui:dashboard")).status_code == 302


def test_sign_out_needs_the_csrf_token():
    from tests.factories import user_with_role

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user_with_role("Back office", username="csrf-check"))
    assert strict.post(reverse("logout")).status_code == 403


def test_password_change(back_office_client, back_office_user):
    form = back_office_client.get(reverse("password_change"))
    assert form.status_code == 200 and 'name="new_password2"' in text(form)

    mismatch = back_office_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Blue-kettle-2048", "new_password2": "Blue-kettle-2049"},
    )
    assert mismatch.status_code == 200
    assert "didn\u2019t match" in text(mismatch) and 'aria-invalid="true"' in text(mismatch)

    response = back_office_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Blue-kettle-2048", "new_password2": "Blue-kettle-2048"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    assert "Your password has been changed" in text(back_office_client.get(response["Location"]))
    fresh = Client()
    assert fresh.login(username="backoffice", password="Blue-kettle-2048")


def test_dashboard_shows_the_headline_figures(back_office_client, warehouse, store, sku):
    stocked(warehouse, sku, 20)
    stocked(store, sku, 3)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 4)], actor=None, document=DocumentRef("order", "9"))

    response = back_office_client.get(reverse("ui:dashboard"))

    assert response.status_code == 200
    body = text(response)
    figure = dict(re.findall(r'data-figure="(\w+)">([\d,]+)<', body))
    assert figure == {
        "on_hand": "23",
        "reserved": "4",
        "in_transit": "0",
        "sku_count": "1",
        "location_count": "2",
        "low_stock_count": "1",  # nyc-store has 3 available
        **{"placed_today": "0", "waiting": "0", "on_hold": "0", "late": "0"},  # no orders yet
    }
    assert reverse("inventory:grid") + "?low=on" in body
    assert "Warehouse" in body and "Store" in body  # the chart's rows
    assert "Latest stock movements" in body and body.count("TEE-BLK-M") >= 3


def test_dashboard_of_a_scoped_user_counts_only_their_locations(client, store, warehouse, sku):
    stocked(warehouse, sku, 50)
    stocked(store, sku, 6)
    # A store associate lands on the store page (tests/ui/test_dashboard_home.py); an operator sees the dashboard.
    client.force_login(user_with_role(WAREHOUSE_OPERATOR, username="store-op", locations=[store]))
    body = text(client.get(reverse("ui:dashboard")))
    assert re.search(r'data-figure="on_hand">6<', body)
    assert re.search(r'data-figure="location_count">1<', body)
    assert "dal-dc" not in body


def test_empty_dashboard_has_helpful_empty_states(back_office_client):
    body = text(back_office_client.get(reverse("ui:dashboard")))
    assert "No stock movements yet" in body and "Import your stock from CSV" in body


# session, user, 2 permissions, totals, by kind, low stock, SKUs, locations, ledger,
# then orders: counts, the locations' time zones, exception counts; then the work waiting (ui.views.dashboard):
# the role check, work tabs, pickups, store requests, returns, failed pushes, held channel orders, the
# partner link and late POs, forecasts on a fallback model, replenishment proposals to approve
DASHBOARD_QUERIES = 24


def test_dashboard_shows_orders_at_a_glance_to_those_who_may_see_orders(
    back_office_client, client, associate_user, warehouse, sku
):
    from fulfillment.services import order_hold
    from tests.factories.orders import ChannelFactory, place_order

    stocked(warehouse, sku, 5)
    web: Any = ChannelFactory(code="web", name="Web shop")
    place_order(web, [(sku.code, 1)], external_id="D-1")
    held = place_order(web, [(sku.code, 1)], external_id="D-2").order
    order_hold(order=held, actor=None)
    place_order(web, [(sku.code, 9)], external_id="D-3")  # 3 units short: backordered

    body = text(back_office_client.get(reverse("ui:dashboard")))
    assert re.search(r'data-figure="placed_today">3<', body) and "3 open in all" in body
    assert re.search(r'data-figure="on_hold">1<', body) and re.search(r'data-figure="waiting">1<', body)
    assert 'href="/orders/exceptions/?kind=late"' in body

    client.force_login(associate_user)  # store associates do not see orders
    assert 'data-figure="placed_today"' not in text(client.get(reverse("ui:dashboard")))


def test_dashboard_queries_are_constant(back_office_client, django_assert_num_queries):
    with django_assert_num_queries(DASHBOARD_QUERIES):
        back_office_client.get(reverse("ui:dashboard"))
    for n in range(5):
        place = make_location()
        for _ in range(4):
            stocked(place, make_sku(), 1 + n)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        back_office_client.get(reverse("ui:dashboard"))


def test_the_returns_area_has_arrived(back_office_client):
    response = back_office_client.get("/returns/")
    assert response.status_code == 200
    assert "Arriving in an upcoming release" not in text(response)


def test_navigation_marks_the_current_page_and_hides_what_the_role_cannot_open(client, associate_user):
    client.force_login(associate_user)
    body = text(client.get(reverse("inventory:grid")))
    assert re.search(r'<a href="/inventory/" aria-current="page">Inventory</a>', body)
    assert 'href="/transfers/"' not in body  # store associates have no transfers


def test_forbidden_and_missing_pages_explain_themselves(client, associate_user):
    client.force_login(associate_user)
    forbidden = client.get(reverse("inventory:transfer_list"))
    assert forbidden.status_code == 403 and "You don't have access to this page" in text(forbidden)
    missing = client.get(reverse("inventory:location_detail", args=["nowhere"]))
    assert missing.status_code == 404 and "We can't find that page" in text(missing)
