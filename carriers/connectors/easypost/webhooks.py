"""EasyPost webhook Events: the signature EasyPost puts on them, and what a tracker Event says.

Every Event is POSTed with `X-Hmac-Signature: hmac-sha256-hex=<hex>`, the HMAC-SHA256 of the raw
body keyed with the webhook secret after Unicode NFKD normalisation (EasyPost's client libraries
normalise the secret, so a secret with accents only verifies that way). A leaf module: the
connector checks signatures with it and the sandbox signs with it.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Mapping
from typing import Any

from carriers.connectors.base import CarrierError, SignatureInvalid, TrackingReport
from carriers.connectors.easypost.parsing import parse_tracker
from core.safe_json import loads_clean

SIGNATURE_HEADER = "X-Hmac-Signature"
SIGNATURE_PREFIX = "hmac-sha256-hex="
#: The Events that carry a Tracker; every other Event (batch, refund, scan form...) is not tracking.
TRACKER_EVENTS = ("tracker.created", "tracker.updated")


def webhook_signature(secret: str, body: bytes) -> str:
    """The `X-Hmac-Signature` value EasyPost sends with `body` for `secret`."""
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return SIGNATURE_PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    """Raise `SignatureInvalid` unless `headers` carry EasyPost's signature of `body` under `secret`."""
    if not secret:
        raise SignatureInvalid("No EasyPost webhook secret is configured for this account.")
    received = next((value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER.lower()), "")
    if not received:
        raise SignatureInvalid(f"The request has no {SIGNATURE_HEADER} header.")
    expected = webhook_signature(secret, body)
    # Compared as bytes in constant time: a header is not guaranteed to be ASCII.
    if not hmac.compare_digest(received.strip().lower().encode("utf-8"), expected.encode("utf-8")):
        raise SignatureInvalid("The EasyPost signature does not match the body.")


def parse_event(body: bytes) -> TrackingReport | None:
    """The tracking report of a tracker Event (None for any other Event). Signature already checked."""
    try:
        # Bounded nesting, and strings made storable (NUL, lone surrogates) before anything is kept.
        event: Any = loads_clean(body)
    except ValueError as exc:
        raise CarrierError("The EasyPost webhook is not JSON.", code="malformed") from exc
    if not isinstance(event, Mapping) or event.get("object") != "Event":
        raise CarrierError("The EasyPost webhook is not an Event.", code="malformed")
    result = event.get("result")
    if event.get("description") not in TRACKER_EVENTS or not isinstance(result, Mapping):
        return None
    return parse_tracker(result, event_id=str(event.get("id") or ""))
