"""In-product carrier sandboxes: EasyPost, Shippo and UPS as their published payloads show them.

`carrier_sandboxes.get("easypost")` (or `"easypost.test-1"`) returns the sandbox of that name;
an account whose base URL is `sandbox://<name>` is served by it. Each kind lives in its own
module and is loaded on first use.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.module_loading import import_string

from core.sandbox import HttpSandbox, SandboxRegistry

SANDBOX_CLASSES = {
    "easypost": "carriers.sandbox.easypost.EasyPostSandbox",
    "shippo": "carriers.sandbox.shippo.ShippoSandbox",
    "ups": "carriers.sandbox.ups.UpsSandbox",
}


def _lazy(path: str) -> Callable[[str], HttpSandbox]:
    def build(name: str) -> HttpSandbox:
        sandbox: HttpSandbox = import_string(path)(name)
        return sandbox

    return build


carrier_sandboxes: SandboxRegistry[HttpSandbox] = SandboxRegistry(
    {kind: _lazy(path) for kind, path in SANDBOX_CLASSES.items()}
)

__all__ = ["carrier_sandboxes"]
