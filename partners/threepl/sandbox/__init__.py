"""In-product 3PL sandboxes: ShipBob as its published payloads show it.

`threepl_sandboxes.get("shipbob")` (or `"shipbob.test-1"`) returns the sandbox of that name; a
partner whose base URL is `sandbox://<name>` is served by it. Each kind lives in its own package
and is loaded on first use.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.module_loading import import_string

from core.sandbox import HttpSandbox, SandboxRegistry

SANDBOX_CLASSES = {
    "shipbob": "partners.threepl.sandbox.shipbob.ShipBobSandbox",
}


def _lazy(path: str) -> Callable[[str], HttpSandbox]:
    def build(name: str) -> HttpSandbox:
        sandbox: HttpSandbox = import_string(path)(name)
        return sandbox

    return build


threepl_sandboxes: SandboxRegistry[HttpSandbox] = SandboxRegistry(
    {kind: _lazy(path) for kind, path in SANDBOX_CLASSES.items()}
)

__all__ = ["threepl_sandboxes"]
