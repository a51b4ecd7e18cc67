"""A deeply nested JSON body (`[[[[...]]]]`) is refused with a 400 wherever JSON is read, instead of
exhausting the interpreter's stack (a RecursionError, answered 500) — the unauthenticated token
endpoint and the webhooks included."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from carriers.connectors.easypost.webhooks import SIGNATURE_HEADER, webhook_signature
from carriers.models import CarrierAccount, WebhookEvent
from core.crypto import credentials_encrypt
from core.safe_json import MAX_DEPTH, PayloadError, loads

pytestmark = pytest.mark.django_db
DEEP = b"[" * 3000 + b"]" * 3000  # about 6 KB
DEEP_OBJECT = b'{"a":' * 200 + b"1" + b"}" * 200  # under the interpreter's limit, over ours


def test_the_loader_refuses_nesting_past_its_limit_and_reads_the_rest():
    with pytest.raises(PayloadError, match="nested"):
        loads(DEEP)
    with pytest.raises(PayloadError, match="nested"):
        loads(DEEP_OBJECT)
    with pytest.raises(PayloadError):
        loads(b'{"price": NaN}')
    assert loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    assert loads('{"a": [1, {"b": "c"}]}') == {"a": [1, {"b": "c"}]}


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_the_token_endpoint_answers_400_to_a_deep_body(body):
    client = APIClient(raise_request_exception=False)
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_the_token_endpoint_still_reads_a_plain_body(admin_user):
    admin_user.set_password("pw-123456")
    admin_user.save()
    body = json.dumps({"username": admin_user.username, "password": "pw-123456"})
    response = APIClient().post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 200 and response.json()["token"]


@pytest.mark.parametrize("path", ["/api/v1/locations", "/api/v1/stock/reserve"])
def test_an_authenticated_endpoint_answers_400_to_a_deep_body(admin_user, path):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(admin_user)
    response = client.post(path, data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_signed_carrier_webhook_that_is_too_deep_is_a_400_and_nothing_is_stored():
    account = CarrierAccount.objects.create(
        code="easypost-main",
        name="EasyPost",
        provider="easypost",
        base_url="sandbox://easypost.deep",
        credentials=credentials_encrypt({"api_key": "EZTK0", "webhook_secret": "whsec-deep"}),
    )
    body = b'{"object": "Event", "result": ' + DEEP + b"}"
    response = Client(raise_request_exception=False).post(
        f"/fulfillment/carriers/webhooks/{account.code}/",
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: webhook_signature("whsec-deep", body)},
    )
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
