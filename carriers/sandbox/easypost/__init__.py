"""EasyPost API v2 sandbox: shipments and rates, labels bought once, refunds, trackers with signed
webhook Events, address verification and scan forms, in EasyPost's published shapes.

Knobs beyond the shared ones (`fail_next`, `timeout_next`, `latency`, `revoked`): `advance()`
(the sandbox's clock), `set_rate()` (the leaky bucket), `failing_carriers` (carrier -> rating
error), `refund_windows`, `refund_processing`, `rate_ttl`, `tracker_set()` and
`emit_tracker_updates()`; `purchases` lists the labels bought.

Operations (for `fail_next` / `timeout_next`): "rates", "shipments", "buy", "label", "refund",
"trackers", "addresses", "scan_forms", "files".

Modules: `core` (key, clock, ids, error bodies, files), `pricing` (the carriers' prices, pure),
`shipments`, `tracking`, `addresses` and `forms` (scan forms).
"""

from carriers.sandbox.easypost.addresses import EasyPostAddresses
from carriers.sandbox.easypost.forms import EasyPostForms


class EasyPostSandbox(EasyPostForms, EasyPostAddresses):
    """The whole EasyPost sandbox (one account, one test API key: `api_keys`)."""


__all__ = ["EasyPostSandbox"]
