"""Which connector serves a carrier account, and the HTTP client it talks through.

`connector_for(account)` builds the account's connector with its decrypted credentials and an
httpx client on its base URL: `sandbox://<name>` goes to the in-product sandbox of that name
without a socket, anything else over the network. Connectors are httpx clients of their own:
the providers' Python SDKs (easypost, shippo) are built on `requests` with no pluggable
transport, so they could reach the sandboxes only over a socket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from django.utils.module_loading import import_string

from carriers.connectors.base import CarrierConnector
from carriers.sandbox import carrier_sandboxes
from core.crypto import credentials_decrypt
from core.http import http_client as shared_http_client

if TYPE_CHECKING:
    from carriers.models import CarrierAccount

#: Provider -> connector class (dotted path, so a provider's module loads only when used).
CONNECTORS = {
    "easypost": "carriers.connectors.easypost.EasyPostConnector",
    "shippo": "carriers.connectors.shippo.ShippoConnector",
    "ups": "carriers.connectors.ups.UpsConnector",
    "builtin": "carriers.connectors.builtin.BuiltinConnector",
}
#: Where each provider answers when the account gives no base URL.
PRODUCTION_URLS = {
    "easypost": "https://api.easypost.com",
    "shippo": "https://api.goshippo.com",
    "ups": "https://onlinetools.ups.com",
    "builtin": "",
}
TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def http_client(base_url: str) -> httpx.Client:
    """An httpx client on `base_url`; `sandbox://<name>` is answered by that in-product sandbox."""
    transport = carrier_sandboxes.transport() if base_url.startswith("sandbox://") else None
    return shared_http_client(base_url=base_url, transport=transport, timeout=TIMEOUT)


def connector_for(account: CarrierAccount) -> CarrierConnector:
    """The connector of a carrier account, ready to call."""
    base_url = account.base_url or PRODUCTION_URLS[account.provider]
    factory = import_string(CONNECTORS[account.provider])
    connector: CarrierConnector = factory(
        account_code=account.code,
        credentials=credentials_decrypt(account.credentials),
        http=http_client(base_url),
    )
    return connector
