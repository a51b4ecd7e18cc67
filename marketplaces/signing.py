"""Webhook signatures as Shopify and WooCommerce compute them.

A leaf module: the connectors check signatures with it and the sandboxes sign with it, so
neither package imports the other for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def hmac_base64(secret: str, body: bytes) -> str:
    """Base64 of HMAC-SHA256(secret, raw body): Shopify's and WooCommerce's webhook signature."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
