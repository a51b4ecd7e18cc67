"""In-product marketplace sandboxes, one per name, living in this process.

`sandbox_for("shopify")` or `sandbox_for("shopify.test-42")` returns the sandbox of that
name (created on first use; the kind is the part before the first dot). A channel whose base
URL is `sandbox://<name>` is served by it through `SandboxTransport`, without a socket.
"""

from __future__ import annotations

import threading

import httpx

from marketplaces.sandbox.amazon import AmazonSandbox
from marketplaces.sandbox.base import SandboxApp
from marketplaces.sandbox.ebay import EbaySandbox
from marketplaces.sandbox.shopify import ShopifySandbox
from marketplaces.sandbox.woocommerce import WooCommerceSandbox

SANDBOX_KINDS: dict[str, type[SandboxApp]] = {
    "shopify": ShopifySandbox,
    "amazon": AmazonSandbox,
    "ebay": EbaySandbox,
    "woocommerce": WooCommerceSandbox,
}

_sandboxes: dict[str, SandboxApp] = {}
_lock = threading.Lock()


def sandbox_for(name: str) -> SandboxApp:
    """The sandbox called `name` (its kind is the part before the first dot)."""
    with _lock:
        if name not in _sandboxes:
            kind = name.split(".")[0]
            if kind not in SANDBOX_KINDS:
                raise LookupError(f"No sandbox of kind {kind!r}: use one of {', '.join(SANDBOX_KINDS)}.")
            _sandboxes[name] = SANDBOX_KINDS[kind](name)
        return _sandboxes[name]


def sandbox_reset(name: str) -> SandboxApp:
    """Forget a sandbox's state and start a fresh one."""
    with _lock:
        _sandboxes.pop(name, None)
    return sandbox_for(name)


class SandboxTransport(httpx.BaseTransport):
    """An httpx transport that hands `sandbox://<name>/...` requests to that in-process sandbox."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sandbox = sandbox_for(request.url.host)
        request.read()
        response = sandbox.handle(request)
        response.read()
        return response


__all__ = ["SANDBOX_KINDS", "SandboxApp", "SandboxTransport", "sandbox_for", "sandbox_reset"]
