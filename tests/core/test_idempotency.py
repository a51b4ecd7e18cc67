"""Idempotency-Key on REST writes: a retried request gets the first answer and writes nothing twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from core.idempotency import idempotency_purge
from core.models import IdempotencyRecord
from inventory.models import StockLevel, StockMovement
from tests.factories import stocked

RECEIVE = "/api/v1/stock/receive"
RESERVE = "/api/v1/stock/reserve"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def on_hand(location, sku) -> int:
    return StockLevel.objects.filter(location=location, sku=sku).values_list("on_hand", flat=True).first() or 0


@pytest.mark.django_db
def test_a_retried_receipt_with_the_same_key_is_replayed_not_received_twice(back_office_user, warehouse, sku):
    client = client_for(back_office_user)
    body = {"location": warehouse.code, "sku": sku.code, "quantity": 5}

    first = client.post(RECEIVE, body, format="json", HTTP_IDEMPOTENCY_KEY="rcv-001")
    again = client.post(RECEIVE, body, format="json", HTTP_IDEMPOTENCY_KEY="rcv-001")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert on_hand(warehouse, sku) == 5
    assert StockMovement.objects.filter(location=warehouse, sku=sku).count() == 1


@pytest.mark.django_db
def test_the_same_key_with_a_different_body_is_refused_and_writes_nothing(back_office_user, warehouse, sku):
    client = client_for(back_office_user)
    client.post(
        RECEIVE,
        {"location": warehouse.code, "sku": sku.code, "quantity": 5},
        format="json",
        HTTP_IDEMPOTENCY_KEY="rcv-002",
    )

    response = client.post(
        RECEIVE,
        {"location": warehouse.code, "sku": sku.code, "quantity": 50},
        format="json",
        HTTP_IDEMPOTENCY_KEY="rcv-002",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in response.json()["errors"]
    assert on_hand(warehouse, sku) == 5


@pytest.mark.django_db
def test_a_refused_request_stores_nothing_so_the_same_key_can_succeed_later(back_office_user, warehouse, sku):
    client = client_for(back_office_user)
    body = {
        "location": warehouse.code,
        "lines": [{"sku": sku.code, "quantity": 2}],
        "document_type": "order",
        "document_id": "1042",
    }

    refused = client.post(RESERVE, body, format="json", HTTP_IDEMPOTENCY_KEY="order-1042")
    stocked(warehouse, sku, 3)
    accepted = client.post(RESERVE, body, format="json", HTTP_IDEMPOTENCY_KEY="order-1042")

    assert refused.status_code == 409
    assert accepted.status_code == 201
    assert StockLevel.objects.get(location=warehouse, sku=sku).reserved == 2


@pytest.mark.django_db
def test_keys_are_per_client_so_two_users_never_share_an_answer(back_office_user, admin_user, warehouse, sku):
    body = {"location": warehouse.code, "sku": sku.code, "quantity": 1}

    client_for(back_office_user).post(RECEIVE, body, format="json", HTTP_IDEMPOTENCY_KEY="same-key")
    second = client_for(admin_user).post(RECEIVE, body, format="json", HTTP_IDEMPOTENCY_KEY="same-key")

    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert on_hand(warehouse, sku) == 2


@pytest.mark.django_db
def test_an_overlong_key_is_a_field_error(back_office_user, warehouse, sku):
    response = client_for(back_office_user).post(
        RECEIVE,
        {"location": warehouse.code, "sku": sku.code, "quantity": 1},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k" * 256,
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert on_hand(warehouse, sku) == 0


@pytest.mark.django_db
def test_a_sku_create_retried_with_its_key_creates_one_sku(back_office_user):
    client = client_for(back_office_user)
    body = {"code": "MUG-01", "name": "Mug", "weight_grams": 350, "price": "12.00"}

    first = client.post("/api/v1/skus", body, format="json", HTTP_IDEMPOTENCY_KEY="sku-mug")
    again = client.post("/api/v1/skus", body, format="json", HTTP_IDEMPOTENCY_KEY="sku-mug")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_purge_forgets_answers_past_their_retention(back_office_user, warehouse, sku, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    client = client_for(back_office_user)
    client.post(
        RECEIVE, {"location": warehouse.code, "sku": sku.code, "quantity": 1}, format="json", HTTP_IDEMPOTENCY_KEY="old"
    )
    client.post(
        RECEIVE, {"location": warehouse.code, "sku": sku.code, "quantity": 1}, format="json", HTTP_IDEMPOTENCY_KEY="new"
    )
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))

    assert idempotency_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_receive_once(back_office_user, warehouse, sku):
    """Eight copies of the same request race; the unique key serialises them and only one receives."""
    body = {"location": warehouse.code, "sku": sku.code, "quantity": 3}
    barrier = threading.Barrier(8)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            response = client_for(back_office_user).post(RECEIVE, body, format="json", HTTP_IDEMPOTENCY_KEY="race")
            statuses.append(response.status_code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert statuses == [201] * 8
    assert on_hand(warehouse, sku) == 3
    assert StockMovement.objects.filter(location=warehouse, sku=sku).count() == 1
