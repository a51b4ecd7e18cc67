"""Every answer under /api/ is the API's JSON error body (`detail` and `code`), including a path
that matches no route (404), a method a route does not take (405) and a server error (500);
the staff pages keep Django's HTML pages."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from fulfillment.apis import orders as order_apis

pytestmark = pytest.mark.django_db


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code and body["detail"], body
    return body


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-endpoint", "/api/v1/orders/not-a-number", "/api/v2/orders", "/api/", "/api/v1/"]
)
def test_a_path_under_the_api_that_matches_no_route_is_a_json_404(path, admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    assert_json_error(client.get(path), 404, "not_found")
    assert_json_error(Client().post(path, data="{}", content_type="application/json"), 404, "not_found")


def test_a_method_a_route_does_not_take_is_a_json_405(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    assert_json_error(client.delete("/api/v1/orders"), 405, "method_not_allowed")
    assert_json_error(Client().get("/api/v1/auth/token"), 405, "method_not_allowed")


def test_a_server_error_under_the_api_is_a_json_500_that_leaks_nothing(admin_user, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(order_apis, "order_list", broken)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(admin_user)
    body = assert_json_error(client.get("/api/v1/orders"), 500, "server_error")
    assert "secret" not in str(body)


def test_a_nul_character_in_an_api_path_is_a_json_400(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    body = assert_json_error(client.get("/api/v1/skus/%00"), 400, "invalid")
    assert "NUL" in body["detail"]


def test_staff_pages_keep_the_html_not_found_page(back_office_client):
    response = back_office_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
