"""Signing deliveries the Standard Webhooks way (https://www.standardwebhooks.com/).

Every delivery carries three headers:
- `Webhook-Id`: the event's id, the same on every retry and replay (consumers deduplicate by it);
- `Webhook-Timestamp`: when this attempt was signed, in seconds since the epoch;
- `Webhook-Signature`: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the
  endpoint's secret. Secrets are `whsec_<base64 of 32 random bytes>`; the key is the decoded bytes.
  Right after a rotation the header holds two signatures, space-separated (new secret first), so a
  consumer still holding the previous secret keeps verifying until it switches.

Pure functions with no Django import: the tests and the documentation page use them as they are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
SIGNATURE_VERSION = "v1"


class SignatureInvalid(Exception):
    """A delivery that does not verify: no valid signature, or a timestamp outside the tolerance."""


def secret_generate() -> str:
    """A new endpoint secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a secret (the base64 after `whsec_`; a secret pasted without the prefix works too)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(encoded, validate=True)


def sign(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One signature, `v1,<base64>`, of `<message_id>.<timestamp>.<body>` with the secret's key."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def signature_header(*, secrets_in_use: Sequence[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The `Webhook-Signature` value: one signature per secret in use, space-separated, newest first."""
    return " ".join(
        sign(secret=secret, message_id=message_id, timestamp=timestamp, body=body) for secret in secrets_in_use
    )


def signed_headers(*, secrets_in_use: Sequence[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers of a delivery."""
    return {
        "Webhook-Id": message_id,
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": signature_header(
            secrets_in_use=secrets_in_use, message_id=message_id, timestamp=timestamp, body=body
        ),
    }


def verify(*, secret: str, headers: Mapping[str, str], body: bytes, now: float, tolerance: int = 300) -> None:
    """Raise `SignatureInvalid` unless one signature matches and the timestamp is within `tolerance` seconds.

    `headers` keys are matched without regard to case (HTTP header names are case-insensitive).
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    message_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    if not message_id or not stamp.isdigit():
        raise SignatureInvalid("missing Webhook-Id or Webhook-Timestamp")
    if abs(now - int(stamp)) > tolerance:
        raise SignatureInvalid("timestamp outside the tolerance: a replay, or a clock far off")
    expected = sign(secret=secret, message_id=message_id, timestamp=int(stamp), body=body)
    for candidate in lowered.get("webhook-signature", "").split():
        if hmac.compare_digest(candidate, expected):
            return
    raise SignatureInvalid("no signature matches")
