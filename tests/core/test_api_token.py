import pytest
from rest_framework.test import APIClient


@pytest.mark.django_db
def test_staff_user_exchanges_password_for_a_token_that_authenticates_the_api(back_office_user):
    client = APIClient()
    response = client.post("/api/v1/auth/token", {"username": "backoffice", "password": "correct-horse-battery"})
    assert response.status_code == 200
    token = response.json()["token"]

    assert client.get("/api/v1/skus").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/skus").status_code == 200


@pytest.mark.django_db
def test_wrong_password_gets_a_field_error_not_a_token(back_office_user):
    response = APIClient().post("/api/v1/auth/token", {"username": "backoffice", "password": "nope"})
    assert response.status_code == 400
    assert "token" not in response.json()
