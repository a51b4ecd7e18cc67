"""UPS, a direct carrier, over its REST APIs (developer.ups.com, OpenAPI at github.com/UPS-API).

- OAuth 2 client credentials (`/security/v1/oauth/token`, HTTP Basic, every value in the
  answer a string); the token is kept until a minute before it expires, and a 401 fetches a
  new one once.
- Rating "Shop" (`/api/rating/v2409/Shop`), Shipping (`/api/shipments/v2409/ship`, void at
  `/void/cancel/{id}`), Label Recovery (`/api/labels/v1/recovery`), Tracking
  (`/api/track/v1/details/{n}`, and by reference `/api/track/v1/reference/details/{ref}`),
  each call with `transId` and `transactionSrc` headers.
- Address Validation street level (XAV, `/api/addressvalidation/v2/3`): no published sample
  answer exists among ours; the request and answer follow UPS's AddressValidation OpenAPI file
  (XAVRequest.AddressKeyFormat in; XAVResponse with Valid/Ambiguous/NoCandidates indicators
  and a Candidate array out), kept to the fields the product uses.
- Labels: ZPL as UPS sends it; PDF is UPS's GIF turned upright on a 4x6 page with reportlab
  (UPS sells no PDF label).
- No webhooks (tracking is polled) and no scan form to fetch (UPS closes the day itself).

Parsers are tested on UPS's published samples (`carriers/sandbox/samples/ups_*.json`); the
in-product `UpsSandbox` answers in the same shapes.
"""

from carriers.connectors.ups.connector import UpsConnector
from carriers.connectors.ups.payloads import SERVICE_NAMES, as_list

__all__ = ["SERVICE_NAMES", "UpsConnector", "as_list"]
