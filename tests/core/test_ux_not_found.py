"""With DEBUG on (the demo), a page scoped to the user's stores still answers with the product's 404 page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.roles import STORE_ASSOCIATE
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_another_stores_page_is_the_products_404_even_in_debug(client, store, other_store, settings):
    settings.DEBUG = True
    client.force_login(user_with_role(STORE_ASSOCIATE, username="sam", locations=[store]))

    response = client.get(reverse("inventory:location_detail", args=[other_store.code]))

    body = response.content.decode()
    assert response.status_code == 404
    assert "We can&#x27;t find that page" in body or "We can't find that page" in body
    assert "URLconf" not in body and "urlpatterns" not in body
