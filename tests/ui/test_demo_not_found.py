"""In the demo (DEBUG and DEMO_MODE on), no 404 shows Django's technical page listing every URL."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.roles import STORE_ASSOCIATE
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _is_product_404(response) -> bool:
    body = response.content.decode()
    return (
        response.status_code == 404
        and ("We can&#x27;t find that page" in body or "We can't find that page" in body)
        and "URLconf" not in body
        and "urlpatterns" not in body
    )


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    settings.DEMO_MODE = True
    return settings


def test_a_mistyped_address_is_the_products_404_in_the_demo(back_office_client, demo):
    assert _is_product_404(back_office_client.get("/no-such-page/"))
    assert _is_product_404(back_office_client.get("/orders/not-a-number/"))


def test_a_scoped_404_is_the_products_page_in_the_demo(client, demo, store, other_store):
    client.force_login(user_with_role(STORE_ASSOCIATE, username="sam", locations=[store]))

    assert _is_product_404(client.get(reverse("inventory:location_detail", args=[other_store.code])))


def test_a_missing_slash_still_redirects_in_the_demo(back_office_client, demo):
    response = back_office_client.get("/orders")

    assert response.status_code == 301 and response["Location"] == "/orders/"


def test_pages_that_exist_are_untouched_in_the_demo(back_office_client, demo):
    assert back_office_client.get(reverse("orders:index")).status_code == 200


def test_a_developer_outside_the_demo_keeps_djangos_page_for_a_typo(back_office_client, settings):
    settings.DEBUG = True
    settings.DEMO_MODE = False

    response = back_office_client.get("/no-such-page/")

    assert response.status_code == 404 and "URLconf" in response.content.decode()
