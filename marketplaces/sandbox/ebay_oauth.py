"""eBay's OAuth as the sandbox plays it: the Identity API's token endpoint and expiring User tokens.

- `POST /identity/v1/oauth2/token` with `Authorization: Basic base64(client_id:client_secret)`
  and a form body `grant_type=refresh_token&refresh_token=...&scope=...` answers
  `{"access_token", "expires_in", "token_type": "User Access Token"}`. A wrong client is
  `401 {"error": "invalid_client"}`; an unknown, expired or revoked refresh token is
  `400 {"error": "invalid_grant"}`; a scope the seller did not grant is `400 {"error": "invalid_scope"}`.
- Each access token expires `token_lifetime` seconds after it was minted (eBay: 7200). A Sell API
  call with an unknown or expired token gets 401 with eBay's error envelope, errorId 1001
  "Invalid access token".

Knobs: `token_lifetime`, `expire_tokens()` (every token issued so far runs out now),
`refresh_token_revoked` (the seller revoked the app, or 18 months passed), and the shared
`revoked` (every call refused, the token endpoint too).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from urllib.parse import parse_qs

import httpx

from marketplaces.sandbox.base import json_response

GRANTED_SCOPES = frozenset(
    {
        "https://api.ebay.com/oauth/api_scope",
        "https://api.ebay.com/oauth/api_scope/sell.inventory",
        "https://api.ebay.com/oauth/api_scope/sell.fulfillment",
        "https://api.ebay.com/oauth/api_scope/sell.account",
    }
)


class EbayIdentity:
    """The token endpoint and the access check of the eBay sandbox (mixed into `EbaySandbox`)."""

    revoked: bool

    def identity_setup(self) -> None:
        self.client_id = "FulfilBO-backoffi-SBX-5a1b2c3d4-e5f6a7b8"
        self.client_secret = "SBX-5a1b2c3d4e5f-6a7b-4c8d-9e0f-1a2b"  # noqa: S105 (the sandbox's own, public)
        self.refresh_token = "v^1.1#i^1#p^3#r^1#I^3#f^0#t^sandbox-refresh-token"  # noqa: S105 (public)
        self.refresh_token_revoked = False
        self.token_lifetime = 7200.0
        self.tokens: dict[str, float] = {}  # access token -> when it expires (time.time())
        self.tokens_minted = 0
        # A token already handed out, as a connection made before token renewal holds one.
        self.access_token = self.token_mint()

    def token_mint(self) -> str:
        token = "v^1.1#i^1#f^0#p^3#r^0#I^3#t^" + secrets.token_urlsafe(48)
        self.tokens[token] = time.time() + self.token_lifetime
        self.tokens_minted += 1
        return token

    def expire_tokens(self) -> None:
        """Every access token issued so far has run out (the two hours passed)."""
        now = time.time()
        self.tokens = {token: min(expires, now - 1) for token, expires in self.tokens.items()}

    def token_valid(self, authorization: str, scheme: str) -> bool:
        prefix = f"{scheme} "
        if self.revoked or not authorization.startswith(prefix):
            return False
        expires = self.tokens.get(authorization[len(prefix) :])
        return expires is not None and time.time() < expires

    def token_refused(self) -> httpx.Response:
        """eBay's answer to a call with an expired or unknown User token."""
        return json_response(
            401,
            {
                "errors": [
                    {
                        "errorId": 1001,
                        "domain": "OAuth",
                        "category": "REQUEST",
                        "message": "Invalid access token",
                        "longMessage": "Invalid access token. Check the value of the Authorization HTTP request "
                        "header.",
                    }
                ]
            },
        )

    def _token(self, request: httpx.Request) -> httpx.Response:
        """Identity API: exchange the refresh token for a User access token."""
        client_id, client_secret = _basic_credentials(request.headers.get("Authorization", ""))
        if client_id != self.client_id or client_secret != self.client_secret:
            return json_response(401, {"error": "invalid_client", "error_description": "client authentication failed"})
        form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
        if form.get("grant_type") != "refresh_token":
            return json_response(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type in request is not supported by the authorization server",
                },
            )
        if self.revoked or self.refresh_token_revoked or form.get("refresh_token") != self.refresh_token:
            return json_response(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "the provided authorization refresh token is invalid or was issued to "
                    "another client",
                },
            )
        asked = set(form.get("scope", "").split())
        if not asked <= GRANTED_SCOPES:
            return json_response(
                400,
                {
                    "error": "invalid_scope",
                    "error_description": "The requested scope is invalid, unknown, malformed, or exceeds the "
                    "scope granted to the client",
                },
            )
        return json_response(
            200,
            {
                "access_token": self.token_mint(),
                "expires_in": int(self.token_lifetime),
                "token_type": "User Access Token",
            },
        )


def _basic_credentials(header: str) -> tuple[str, str]:
    if not header.startswith("Basic "):
        return "", ""
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    client_id, _, client_secret = decoded.partition(":")
    return client_id, client_secret
