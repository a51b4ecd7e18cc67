"""The Shippo sandbox as the registry builds it: every part in one object."""

from __future__ import annotations

from carriers.sandbox.shippo.manifests import ShippoManifests


class ShippoSandbox(ShippoManifests):
    """Shippo's API (version 2018-02-08) in process: see the package docstring for what it does."""
