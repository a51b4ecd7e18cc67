"""Signatures: the Standard Webhooks vector, real deliveries verified by an implementation written here, rotation,
the 5-minute tolerance, and the documentation's snippet run as it is printed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from webhooks.models import EventType
from webhooks.payloads.verification import PYTHON_VERIFY_SNIPPET
from webhooks.services import delivery_send, secrets_in_use, subscription_ping, subscription_rotate_secret
from webhooks.services.delivery import Claim
from webhooks.signing import SignatureInvalid, secret_generate, sign, verify

# The Standard Webhooks specification's published test vector.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def independent_signatures(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """A consumer's check, written from the specification without the product's code."""
    key = base64.b64decode(secret[len("whsec_") :])
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    return any(part.split(",", 1) == ["v1", expected] for part in headers["webhook-signature"].split(" "))


def test_signing_reproduces_the_standard_webhooks_vector():
    assert sign(secret=VECTOR_SECRET, message_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY) == (
        VECTOR_SIGNATURE
    )
    headers = {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }
    assert independent_signatures(VECTOR_SECRET, headers, VECTOR_BODY)


def test_a_new_secret_is_32_random_bytes_behind_the_prefix():
    first, second = secret_generate(), secret_generate()
    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32


def test_a_real_delivery_verifies_with_an_independent_implementation(make_endpoint, receiver):
    endpoint, secret = make_endpoint([EventType.ORDER_CREATED])

    attempt = subscription_ping(subscription=endpoint)

    assert attempt is not None and attempt.succeeded
    (got,) = receiver.requests
    assert got.headers["content-type"] == "application/json"
    assert independent_signatures(secret, got.headers, got.body)
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 5
    assert got.headers["webhook-id"] == json.loads(got.body)["id"]
    # A body changed by one byte, or the right body under another id, no longer verifies.
    assert not independent_signatures(secret, got.headers, got.body.replace(b"ping", b"pong"))
    assert not independent_signatures(secret, {**got.headers, "webhook-id": "evt_other"}, got.body)
    assert not independent_signatures(secret_generate(), got.headers, got.body)


def test_after_a_rotation_both_secrets_verify_for_a_day_then_only_the_new_one(make_endpoint, receiver):
    endpoint, old = make_endpoint([EventType.ORDER_CREATED])
    new = subscription_rotate_secret(subscription=endpoint).secret

    subscription_ping(subscription=endpoint)
    got = receiver.requests[-1]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert independent_signatures(new, got.headers, got.body)
    assert independent_signatures(old, got.headers, got.body)

    endpoint.refresh_from_db()
    assert secrets_in_use(endpoint, now=timezone.now() + timedelta(hours=23)) == [new, old]
    assert secrets_in_use(endpoint, now=timezone.now() + timedelta(hours=25)) == [new]


def test_verify_refuses_a_timestamp_more_than_five_minutes_away():
    body = b'{"a":1}'
    stamp = 1_700_000_000
    headers = {
        "Webhook-Id": "evt_1",
        "Webhook-Timestamp": str(stamp),
        "Webhook-Signature": sign(secret=VECTOR_SECRET, message_id="evt_1", timestamp=stamp, body=body),
    }
    verify(secret=VECTOR_SECRET, headers=headers, body=body, now=stamp + 299)
    for now in (stamp + 301, stamp - 301):
        with pytest.raises(SignatureInvalid, match="tolerance"):
            verify(secret=VECTOR_SECRET, headers=headers, body=body, now=now)
    with pytest.raises(SignatureInvalid, match="no signature"):
        verify(secret=VECTOR_SECRET, headers=headers, body=b'{"a":2}', now=stamp)


def _snippet() -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(PYTHON_VERIFY_SNIPPET, "verify_snippet", "exec"), namespace)  # noqa: S102 (the documented snippet)
    return namespace["verify_webhook"]


def test_the_documented_snippet_verifies_a_real_delivery_and_refuses_a_stale_or_forged_one(make_endpoint, receiver):
    verify_webhook = _snippet()
    endpoint, secret = make_endpoint([EventType.ORDER_CREATED])
    subscription_ping(subscription=endpoint)
    got = receiver.requests[-1]

    verify_webhook(secret, got.headers, got.body)

    with pytest.raises(ValueError, match="signature"):
        verify_webhook(secret, got.headers, got.body + b" ")
    stale = dict(got.headers, **{"webhook-timestamp": str(int(got.headers["webhook-timestamp"]) - 301)})
    with pytest.raises(ValueError, match="timestamp"):
        verify_webhook(secret, stale, got.body)


def test_the_signer_signs_the_exact_bytes_it_posts():
    """Unit test of the signer with an in-memory transport: what is posted is what was signed."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    secret = secret_generate()
    claim = Claim(
        7, "token", 1, "https://erp.example.com/hooks", "evt_abc", b'{"type":"order.created"}', (secret,), False
    )
    headers, outcome = delivery_send(claim, transport=httpx.MockTransport(handler))

    assert outcome.succeeded and outcome.status == 204
    (request,) = seen
    assert request.content == claim.body
    assert request.headers["webhook-id"] == "evt_abc"
    assert request.headers["webhook-signature"] == headers["Webhook-Signature"]
    assert independent_signatures(secret, {k.lower(): v for k, v in request.headers.items()}, request.content)
