"""The SP-API session every Amazon call goes through: LWA access tokens and usage plans.

The bucket of each operation starts at Amazon's default usage plan and follows the
`x-amzn-RateLimit-Limit` header Amazon returns (a seller with a raised plan is used at its
real rate). A 429 carries no Retry-After on Amazon: the wait is one token at the current rate.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from marketplaces.connectors.base import AuthExpired, Connector, TransientError

LWA_URL = "https://api.amazon.com/auth/o2/token"


class AmazonSession(Connector):
    """Credentials, token refresh and rate plans; the operations are in the subclasses."""

    limits = {
        "patchListingsItem": (5.0, 10.0),
        "getListingsItem": (5.0, 10.0),
        "createFeedDocument": (0.5, 15.0),
        "createFeed": (0.0083, 15.0),
        "getFeed": (2.0, 15.0),
        "getFeedDocument": (0.0222, 10.0),
        "getOrders": (0.0167, 20.0),
        "getOrder": (0.5, 30.0),
        "getOrderItems": (0.5, 30.0),
        "getOrderAddress": (0.5, 30.0),
        "getOrderBuyerInfo": (0.5, 30.0),
        "confirmShipment": (2.0, 10.0),
        # The Notifications API: 1/s, burst 5 each.
        "createDestination": (1.0, 5.0),
        "getDestinations": (1.0, 5.0),
        "createSubscription": (1.0, 5.0),
        "getSubscription": (1.0, 5.0),
        "deleteSubscriptionById": (1.0, 5.0),
        "lwa": (10.0, 10.0),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._token: str = ""
        self._token_expires = 0.0

    @property
    def seller_id(self) -> str:
        return self.credentials.get("seller_id", "")

    @property
    def marketplace_id(self) -> str:
        return self.credentials.get("marketplace_id", "ATVPDKIKX0DER")

    def _lwa_url(self) -> str:
        if self.base_url.startswith("sandbox://") or "/channels/sandbox/" in self.base_url:
            return f"{self.base_url}/auth/o2/token"
        return self.credentials.get("lwa_url") or LWA_URL

    def auth_headers(self) -> dict[str, str]:
        if not self._token or time.time() > self._token_expires - 60:
            self._refresh_token()
        return {"x-amz-access-token": self._token}

    def _refresh_token(self) -> None:
        self._token, self._token_expires = self.lwa_token(
            {"grant_type": "refresh_token", "refresh_token": self.credentials.get("refresh_token", "")},
            refused="Login with Amazon refused the refresh token",
        )

    def lwa_token(self, grant: dict[str, str], *, refused: str) -> tuple[str, float]:
        """An access token from Login with Amazon for `grant` (with our client id and secret), and when it expires."""
        self._acquire("lwa")
        self.calls += 1
        data = {
            **grant,
            "client_id": self.credentials.get("client_id", ""),
            "client_secret": self.credentials.get("client_secret", ""),
        }
        try:
            response = self.client.post(self._lwa_url(), data=data)
        except httpx.TransportError as exc:
            raise TransientError("Login with Amazon could not be reached.") from exc
        if response.status_code in (400, 401):
            raise AuthExpired(f"{refused} ({self.error_detail(response)}).", status=response.status_code)
        if response.status_code != 200:
            raise TransientError(f"Login with Amazon failed ({response.status_code}).", status=response.status_code)
        body = response.json()
        return str(body["access_token"]), time.time() + float(body.get("expires_in", 3600))

    def observe(self, op: str, response: httpx.Response) -> None:
        limit = response.headers.get("x-amzn-RateLimit-Limit")
        if limit:
            try:
                rate = float(limit)
            except ValueError:
                return
            _default_rate, burst = self.limits.get(op, self.default_limit)
            # Amazon tells the rate, not the burst: once refused, assume no burst; keep 5% of headroom.
            if response.status_code == 429 or self.learned_limits.get(op, (0.0, burst))[1] == 1.0:
                burst = 1.0
            self.learned_limits[op] = (rate * 0.95, burst)


def quantity_patches(quantity: int) -> list[dict[str, object]]:
    """The JSON patch that sets a listing's absolute quantity: the same for one call and for a feed message."""
    return [
        {
            "op": "replace",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
        }
    ]
