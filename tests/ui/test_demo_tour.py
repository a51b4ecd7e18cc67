"""The demo's "try this first" card on the home page: demo mode only, every login, the tour order, hideable."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from channels.services import channel_create
from fulfillment.demo.channel_orders import TOUR_EXTERNAL_ID
from inventory.demo.people import demo_users
from partners.demo import SUPPLIER_PASSWORD, SUPPLIER_USERNAME
from tests.factories import stocked
from tests.factories.orders import place_order
from ui.demo.tour import demo_logins, tour_text

pytestmark = pytest.mark.django_db
README = Path(django_settings.BASE_DIR) / "README.md"


@pytest.fixture
def demo_mode(settings):
    settings.DEMO_MODE = True
    return settings


def test_the_home_page_shows_the_tour_in_demo_mode_with_every_login(back_office_client, demo_mode):
    body = back_office_client.get(reverse("ui:dashboard")).content.decode()

    assert "Try this first" in body and 'id="demo-tour"' in body
    for user in demo_users():
        assert f'data-login="{user.username}"' in body and user.password in body
    assert f'data-login="{SUPPLIER_USERNAME}"' in body and SUPPLIER_PASSWORD in body
    for url in ("/fulfillment/work/?tab=pack", "/fulfillment/pickups/", "/planning/proposals/", "/analytics/"):
        assert f'href="{url}"' in body
    assert "Hide tour" in body


def test_the_tour_opens_the_seeded_tour_order_by_its_number(back_office_client, demo_mode, warehouse, sku):
    stocked(warehouse, sku, 10)
    shopify = channel_create(code="shopify", name="Shopify store", kind="shopify")
    order = place_order(shopify, [(sku.code, 1)], external_id=TOUR_EXTERNAL_ID, postal_code="97204").order

    body = back_office_client.get(reverse("ui:dashboard")).content.decode()

    assert f"Open order {order.number}" in body
    assert f'href="{reverse("orders:detail", args=[order.pk])}"' in body
    assert "Portland, OR" in body


def test_hiding_the_tour_says_so_and_keeps_it_hidden_for_this_sign_in(back_office_client, demo_mode, back_office_user):
    response = back_office_client.post(reverse("ui:demo_tour_hide"), follow=True)

    body = response.content.decode()
    assert response.status_code == 200 and "Tour hidden" in body
    assert 'id="demo-tour"' not in body
    assert 'id="demo-tour"' not in back_office_client.get(reverse("ui:dashboard")).content.decode()
    back_office_client.logout()
    back_office_client.force_login(back_office_user)
    assert 'id="demo-tour"' in back_office_client.get(reverse("ui:dashboard")).content.decode()


def test_outside_demo_mode_there_is_no_tour_and_no_hide_address(back_office_client, settings):
    settings.DEMO_MODE = False

    assert "Try this first" not in back_office_client.get(reverse("ui:dashboard")).content.decode()
    assert back_office_client.post(reverse("ui:demo_tour_hide")).status_code == 404


def test_hiding_needs_a_post(back_office_client, demo_mode):
    assert back_office_client.get(reverse("ui:demo_tour_hide")).status_code == 405


def test_the_console_and_the_readme_list_the_same_logins_and_steps():
    lines = tour_text("http://127.0.0.1:8100/")
    readme = README.read_text(encoding="utf-8")

    for login in demo_logins():
        assert any(login.username in line and login.password in line for line in lines)
        assert login.username in readme and login.password in readme
    assert any(line.strip().startswith("1. Open any order") for line in lines)  # no demo orders in this database
    assert any("http://127.0.0.1:8100/fulfillment/work/?tab=pack" in line for line in lines)
    assert "DEMO_PORT" in readme and "Try this first" in readme
