"""Credentials of outside services (channels, carrier accounts), encrypted at rest with Fernet
(AES-128-CBC + HMAC-SHA256).

The key comes from `settings.CHANNEL_CREDENTIALS_KEY` (env `CHANNEL_CREDENTIALS_KEY`, a
urlsafe-base64 32-byte Fernet key). Without it, development and test machines derive one from
SECRET_KEY so a first run works; production settings refuse to start without a real key.
Several keys may be given, comma-separated, newest first: the first encrypts, all decrypt
(key rotation).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from core.errors import ValidationFailed


def _fernet() -> MultiFernet:
    raw = str(getattr(settings, "CHANNEL_CREDENTIALS_KEY", "") or "")
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if not keys:
        digest = hashlib.sha256(f"channel-credentials:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def credentials_encrypt(values: dict[str, str]) -> str:
    """Encrypt a credentials dict into a token for the database."""
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def credentials_decrypt(token: str) -> dict[str, str]:
    """Decrypt stored credentials; an empty token is no credentials."""
    if not token:
        return {}
    try:
        data: Any = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ValidationFailed(
            "The stored credentials cannot be decrypted with CHANNEL_CREDENTIALS_KEY: enter them again.",
            field="credentials",
        ) from exc
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def mask(value: str) -> str:
    """A secret as shown on a page: its length hidden, only the last four characters kept."""
    if not value:
        return ""
    return "••••" + value[-4:] if len(value) > 8 else "••••"
