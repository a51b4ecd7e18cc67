"""What every marketplace sandbox adds to the shared sandbox mechanism (`core.sandbox`): a clock,
stock with delayed visibility, orders, per-item faults and signed webhook deliveries.

It is reached through `SandboxTransport` (tests, the bench, any process with
`sandbox://<name>` base URLs) or over HTTP under `/channels/sandbox/<name>/` when
`MARKETPLACE_SANDBOX` is on (the demo).

Knobs beyond the shared ones: `visibility_delay` (seconds before a stock write shows in
reads) and `item_failures` (SKU -> how many pushes of it fail inside a 200/207).
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.sandbox import Bucket, CallRecord, HttpSandbox, Webhook, json_response
from marketplaces.signing import hmac_base64

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"

__all__ = ["Bucket", "CallRecord", "SandboxApp", "Webhook", "json_response", "load_sample"]


def load_sample(name: str) -> Any:
    """A published marketplace payload shipped with the sandbox (see samples/README.md)."""
    return json.loads((SAMPLES_DIR / name).read_text())


@dataclass
class SandboxState:
    stock: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)


class SandboxApp(HttpSandbox, ABC):
    """Base of the four marketplace sandboxes."""

    def __init__(self, name: str, *, seed: int = 7) -> None:
        self.state = SandboxState()
        self.visibility_delay = 0.0
        self.item_failures: dict[str, int] = {}
        self.webhook_secret = "sandbox-webhook-secret"  # noqa: S105 (the sandbox's own, public)
        super().__init__(name, seed=seed)

    # Stock with delayed visibility ------------------------------------------------------

    def stock_write(self, key: str, quantity: int) -> None:
        self.state.stock.setdefault(key, []).append((time.time() + self.visibility_delay, quantity))
        # Keep the history short: everything already visible except the last visible write.
        writes = self.state.stock[key]
        now = time.time()
        visible = [w for w in writes if w[0] <= now]
        if len(visible) > 1:
            self.state.stock[key] = [visible[-1], *[w for w in writes if w[0] > now]]

    def stock_persisted(self, key: str) -> int | None:
        """The latest written quantity (what a compare-and-set compares against)."""
        writes = self.state.stock.get(key)
        return writes[-1][1] if writes else None

    def stock_visible(self, key: str) -> int | None:
        """What a reader (or a shopper) sees now: the latest write whose delay has passed."""
        now = time.time()
        writes = [w for w in self.state.stock.get(key, []) if w[0] <= now]
        return writes[-1][1] if writes else None

    def stock_keys(self) -> list[str]:
        return list(self.state.stock)

    def visible_at(self, key: str, quantity: int) -> float | None:
        """When `quantity` became (or becomes) visible for `key` by its latest matching write."""
        for at, value in reversed(self.state.stock.get(key, [])):
            if value == quantity:
                return at
        return None

    # Faults ------------------------------------------------------------------------------

    def take_item_failure(self, sku: str) -> bool:
        left = self.item_failures.get(sku, 0)
        if left > 0:
            self.item_failures[sku] = left - 1
            return True
        return False

    # Webhooks ----------------------------------------------------------------------------

    def sign(self, body: bytes) -> str:
        return hmac_base64(self.webhook_secret, body)

    # Orders (kind-specific) --------------------------------------------------------------

    @abstractmethod
    def create_order(self, lines: list[tuple[str, int]], **extra: Any) -> str:
        """A customer buys: the order appears (and stock goes down) as on the marketplace."""
        raise NotImplementedError

    def buy_shown(self, sku: str, quantity: int, **extra: Any) -> tuple[str, int] | None:
        """A shopper buys up to `quantity` of what the listing shows now (nothing when it shows 0),
        as a marketplace sells against the quantity it displays; (order id, units) or None."""
        with self.lock:
            shown = self.quantity_of(sku) or 0
            units = min(quantity, shown)
            if units <= 0:
                return None
            return self.create_order([(sku, units)], **extra), units

    @abstractmethod
    def cancel_order_by_customer(self, order_id: str) -> None:
        raise NotImplementedError

    @abstractmethod
    def add_product(self, sku: str, quantity: int = 0) -> dict[str, str]:
        """Put a product on the marketplace with a stock quantity; returns its ids there."""
        raise NotImplementedError

    @abstractmethod
    def quantity_of(self, sku: str, *, visible: bool = True) -> int | None:
        """The quantity a shopper sees for a SKU (or, with visible=False, the latest written)."""
        raise NotImplementedError
