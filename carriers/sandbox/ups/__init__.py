"""UPS's REST APIs as an in-product sandbox, built on UPS's published samples (`ups_*.json`).

Paths, OAuth (client credentials, tokens that expire), PascalCase bodies with every number a
string, single elements as objects and repeated ones as arrays, the lower-case error body,
429 "Rate Limit Exceeded", inline base64 labels (GIF or ZPL) with 1Z tracking numbers and
their check digit, void until the end of the day of shipment, tracking that advances with the
sandbox's clock, track by reference, label recovery and street-level address validation.
"""

from carriers.sandbox.ups.app import ACCOUNT_NUMBER, CLIENT_ID, CLIENT_SECRET, UpsSandbox

__all__ = ["ACCOUNT_NUMBER", "CLIENT_ID", "CLIENT_SECRET", "UpsSandbox"]
