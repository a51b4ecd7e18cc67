"""What every part of the Amazon sandbox reads: the seller, its listed SKUs, SP-API error bodies."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from marketplaces.sandbox.base import SandboxApp, json_response


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AmazonCore(SandboxApp):
    """The state the listings, feeds and orders parts share; each part adds its own in `setup`."""

    kind = "amazon"
    seller_id = "A3TH9S8BH6GOGM"
    marketplace_id = "ATVPDKIKX0DER"

    def setup(self) -> None:
        super().setup()
        self.listings: set[str] = set()

    def error(self, status: int, message: str, op: str) -> httpx.Response:
        code = {400: "InvalidInput", 403: "Unauthorized", 404: "NotFound", 409: "Conflict", 429: "QuotaExceeded"}.get(
            status, "InternalFailure"
        )
        return json_response(status, {"errors": [{"code": code, "message": message, "details": ""}]})
