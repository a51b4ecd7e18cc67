"""In-product marketplace sandboxes, one per name, living in this process.

`sandbox_for("shopify")` or `sandbox_for("shopify.test-42")` returns the sandbox of that
name (created on first use; the kind is the part before the first dot). A channel whose base
URL is `sandbox://<name>` is served by it through `SandboxTransport`, without a socket.
"""

from __future__ import annotations

import httpx

from core.sandbox import SandboxRegistry
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

_registry: SandboxRegistry[SandboxApp] = SandboxRegistry(SANDBOX_KINDS)


def sandbox_for(name: str) -> SandboxApp:
    """The sandbox called `name` (its kind is the part before the first dot)."""
    return _registry.get(name)


def sandbox_reset(name: str) -> SandboxApp:
    """Forget a sandbox's state and start a fresh one."""
    return _registry.reset(name)


class SandboxTransport(httpx.BaseTransport):
    """An httpx transport that hands `sandbox://<name>/...` requests to that in-process sandbox."""

    def __init__(self) -> None:
        self._inner = _registry.transport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)


__all__ = ["SANDBOX_KINDS", "SandboxApp", "SandboxTransport", "sandbox_for", "sandbox_reset"]
