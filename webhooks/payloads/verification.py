"""The verification snippet shown on the documentation page (the tests run this very text against real deliveries)."""

from __future__ import annotations

PYTHON_VERIFY_SNIPPET = '''\
import base64
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 5 * 60  # refuse deliveries signed more than 5 minutes away from now (replays)


def verify_webhook(secret: str, headers: dict, body: bytes) -> None:
    """Raise ValueError unless the delivery is ours and fresh. `body`: the raw request body, unparsed."""
    headers = {key.lower(): value for key, value in headers.items()}
    message_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        raise ValueError("timestamp too old or too new")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # During a secret rotation the header holds two signatures, space-separated: either may match.
    if not any(hmac.compare_digest(expected, given) for given in headers["webhook-signature"].split()):
        raise ValueError("signature does not match")
'''
