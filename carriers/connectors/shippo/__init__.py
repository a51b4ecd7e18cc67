"""Shippo, the second shipping aggregator: rates, labels (PDF 4x6 or ZPL), refunds, tracks,
address validation, USPS manifests and `track_updated` webhooks.

Modules: `connector` (the `CarrierConnector`), `api` (headers, and Shippo's error bodies as the
product's errors), `payloads` (what goes out), `parsing` (what comes back).
"""

from carriers.connectors.shippo.connector import ShippoConnector

__all__ = ["ShippoConnector"]
