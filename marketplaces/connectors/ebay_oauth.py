"""The eBay session every Sell API call goes through: User access tokens renewed with the refresh token.

eBay's User access tokens live two hours; the refresh token the seller's consent produced lives
about 18 months. The connection stores the app's client id and secret (eBay's App ID and Cert ID)
and the refresh token, encrypted; the session mints an access token with
`POST /identity/v1/oauth2/token` (grant_type=refresh_token, HTTP Basic client id:secret, the
scopes), uses it until shortly before `expires_in` runs out, and hands the new one to
`token_store` so the next worker reuses it instead of minting its own. A call refused with
eBay's invalid-token error (401, errorId 1001: expired early, or revoked by a newer consent)
gets one new token and one retry. A refused refresh (`invalid_grant`: expired or revoked refresh
token) cannot be fixed by retrying: it raises `AuthExpired` saying the seller must consent again.

A connection made before this stored only an `access_token`: it is used as is until eBay
refuses it, then the connection asks for the refresh credentials.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from marketplaces.connectors.base import AuthExpired, Connector, Throttled, TransientError, retry_after_seconds

TOKEN_PATH = "/identity/v1/oauth2/token"  # noqa: S105 (a path, not a secret)
#: What the connector calls: stock (Inventory API) and orders, shipments, refunds (Fulfillment API).
DEFAULT_SCOPES = (
    "https://api.ebay.com/oauth/api_scope",
    "https://api.ebay.com/oauth/api_scope/sell.inventory",
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment",
)
#: Renew this long before eBay's expiry, so a token never runs out in the middle of a sync run.
REFRESH_AHEAD_SECONDS = 300.0
#: eBay's error id for "Invalid access token" (expired, revoked or malformed).
INVALID_TOKEN_ERROR_ID = 1001

#: Receives the new token (`access_token`, `access_token_expires_at` in epoch seconds) and the
#: `refresh_token` it was minted with, to keep with the connection's credentials.
TokenStore = Callable[[Mapping[str, str]], None]


def invalid_token(response: httpx.Response) -> bool:
    """Whether a 401 is eBay saying the access token itself is no good (not a missing permission)."""
    if response.status_code != 401:
        return False
    if "invalid_token" in response.headers.get("WWW-Authenticate", ""):
        return True
    try:
        body: Any = response.json()
    except ValueError:
        return False
    # The Sell APIs answer `errors`; the older Post-Order API names its list `error`.
    errors = (body.get("errors") or body.get("error")) if isinstance(body, dict) else None
    return isinstance(errors, list) and any(
        isinstance(e, dict) and e.get("errorId") == INVALID_TOKEN_ERROR_ID for e in errors
    )


class EbaySession(Connector):
    """Credentials, token renewal and the one retry on an invalid token; the operations are in the subclass."""

    #: Set by `connector_for`: where a newly minted access token is kept (None: this connector only).
    token_store: TokenStore | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._token = self.credentials.get("access_token", "")
        try:
            self._token_expires = float(self.credentials.get("access_token_expires_at") or 0)
        except ValueError:
            self._token_expires = 0.0
        self._op = ""
        self._last_invalid_token = False

    @property
    def can_refresh(self) -> bool:
        return all(self.credentials.get(name) for name in ("client_id", "client_secret", "refresh_token"))

    def scopes(self) -> str:
        return " ".join(self.credentials.get("scopes", "").split()) or " ".join(DEFAULT_SCOPES)

    def access_token(self) -> str:
        """A token good for a while yet: the stored one, or a new one when it is close to expiring."""
        if self.can_refresh and (not self._token or time.time() > self._token_expires - REFRESH_AHEAD_SECONDS):
            self.token_refresh()
        return self._token

    def auth_headers(self) -> dict[str, str]:
        # The Post-Order API takes the same OAuth token under its own scheme name.
        scheme = "IAF" if self._op == "postorder" else "Bearer"
        return {"Authorization": f"{scheme} {self.access_token()}", "Content-Language": "en-US"}

    def observe(self, op: str, response: httpx.Response) -> None:
        self._last_invalid_token = invalid_token(response)

    def _request(self, method: str, path: str, *, op: str, **kwargs: Any) -> httpx.Response:
        """One call; refused with an invalid token, one new token and one more try."""
        self._op = op
        self._last_invalid_token = False
        try:
            return super()._request(method, path, op=op, **kwargs)
        except AuthExpired as exc:
            if not self._last_invalid_token:
                raise
            if not self.can_refresh:
                raise AuthExpired(
                    f"eBay refused the access token ({exc.message}). Enter the app's client ID and client secret "
                    "and the seller's refresh token on the connection form, so tokens are renewed automatically.",
                    status=exc.status,
                ) from exc
        self.token_refresh()
        return super()._request(method, path, op=op, **kwargs)

    def token_refresh(self) -> None:
        """Mint a User access token from the refresh token (eBay's "refresh token request")."""
        # Not counted in `calls`: those are the Sell API calls the sync reports against eBay's quotas.
        self._acquire("identity")
        refresh_token = self.credentials.get("refresh_token", "")
        try:
            response = self.client.post(
                TOKEN_PATH,
                data={"grant_type": "refresh_token", "refresh_token": refresh_token, "scope": self.scopes()},
                auth=httpx.BasicAuth(self.credentials.get("client_id", ""), self.credentials.get("client_secret", "")),
            )
        except httpx.TimeoutException as exc:
            raise TransientError("identity: eBay's token endpoint did not answer in time.") from exc
        except httpx.TransportError as exc:
            raise TransientError(
                f"identity: could not reach eBay's token endpoint ({exc.__class__.__name__})."
            ) from exc
        if response.status_code == 200:
            body = response.json()
            self._token = str(body["access_token"])
            self._token_expires = time.time() + float(body.get("expires_in") or 7200)
            if self.token_store is not None:
                self.token_store(
                    {
                        "access_token": self._token,
                        "access_token_expires_at": f"{self._token_expires:.0f}",
                        "refresh_token": refresh_token,
                    }
                )
            return
        self._token = ""
        raise self._refresh_refused(response)

    def _refresh_refused(self, response: httpx.Response) -> Exception:
        """What a refused refresh means for the people who can fix it."""
        try:
            body: Any = response.json()
        except ValueError:
            body = {}
        error = str(body.get("error") or "") if isinstance(body, dict) else ""
        detail = str(body.get("error_description") or error) if isinstance(body, dict) else ""
        if response.status_code == 429:
            wait = retry_after_seconds(response, default=60.0)
            self._block("identity", wait)
            return Throttled("identity: eBay's token endpoint is throttling us.", status=429, retry_after=wait)
        if response.status_code >= 500:
            return TransientError(f"identity: eBay's token endpoint failed ({response.status_code}).")
        if error == "invalid_grant":
            return AuthExpired(
                f"eBay refused the refresh token ({detail}): it expired or the seller revoked the app. "
                "The seller must authorise the app on eBay again; enter the new refresh token with the credentials.",
                status=response.status_code,
            )
        if error == "invalid_client":
            return AuthExpired(
                f"eBay refused the app's credentials ({detail}): check the client ID (App ID) and "
                "client secret (Cert ID) of the eBay app.",
                status=response.status_code,
            )
        if error == "invalid_scope":
            return AuthExpired(
                f"eBay refused the scopes ({detail}): ask only for scopes the seller granted, or leave scopes blank.",
                status=response.status_code,
            )
        return AuthExpired(
            f"eBay's token endpoint refused the refresh ({response.status_code}: {detail or error or 'no reason'}).",
            status=response.status_code,
        )
