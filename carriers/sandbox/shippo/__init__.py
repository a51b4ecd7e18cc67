"""Shippo API sandbox (version 2018-02-08), answering in the shapes Shippo's recordings and docs show.

- Auth `Authorization: ShippoToken <api_token>`; a wrong token gets `401 {"detail": "Invalid token."}`,
  none `401 {"detail": "Authentication credentials were not provided."}`.
- Paths at the root with Shippo's trailing slashes: `/shipments/`, `/rates/<id>`, `/transactions/`,
  `/refunds/`, `/tracks/<carrier>/<number>`, `/addresses/`, `/manifests/`, `/carrier_accounts/`;
  lists are `{count, next, previous, results}` paged with `results` and `page`.
- Errors are Django REST Framework's: 400 `{field: [messages]}` (nested for nested objects),
  otherwise `{"detail": ...}`; 429 `{"detail": "Request was throttled. Expected available in N
  seconds."}` with Retry-After, from per-minute limits per endpoint and verb (test-mode figures of
  Shippo's published table; `live_limits()` for the live ones).
- Rates from billable weight and ZIP-to-ZIP zone (`pricing`); labels as real PDF/ZPL files behind
  signed, expiring links; refunds with a window; tracks that move with the sandbox clock and
  `track_updated` webhooks (`track_set`); address validation with corrections; SCAN forms.
- Faults from `core.sandbox`: `fail_next`, `timeout_next`, `latency`, `revoked`, keyed by operation
  ("shipments.post", "transactions.post", "transactions.list", "refunds.post", "tracks.get", ...).

Modules: `core` (auth, limits, errors, ids, clock, signed links), `addresses`, `pricing`,
`shipments` (and rates), `tracking` (and webhooks), `labels` (transactions and refunds),
`manifests`, `app` (the assembled sandbox).
"""

from carriers.sandbox.shippo.app import ShippoSandbox

__all__ = ["ShippoSandbox"]
