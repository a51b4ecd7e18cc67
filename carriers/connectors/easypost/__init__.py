"""EasyPost, the first shipping aggregator: one API key rates and buys USPS, UPS and FedEx labels.

Modules: `connector` (the HTTP calls), `payloads` (the product's requests as EasyPost bodies),
`parsing` (EasyPost's answers as the product's dataclasses) and `webhooks` (the HMAC signature
and tracker Events); the last three are pure.
"""

from carriers.connectors.easypost.connector import EasyPostConnector
from carriers.connectors.easypost.parsing import EasyPostError
from carriers.connectors.easypost.webhooks import webhook_signature

__all__ = ["EasyPostConnector", "EasyPostError", "webhook_signature"]
