"""Listings Items 2021-08-01: a SKU's fulfillment availability, patched and read back."""

from __future__ import annotations

import json
import uuid

import httpx

from marketplaces.sandbox.amazon.core import AmazonCore
from marketplaces.sandbox.base import json_response


class AmazonListings(AmazonCore):
    def add_product(self, sku: str, quantity: int = 0) -> dict[str, str]:
        with self.lock:
            self.listings.add(sku)
            if self.stock_persisted(sku) is None:
                self.state.stock[sku] = [(0.0, quantity)]
            return {"sku": sku}

    def _patch_listing(self, request: httpx.Request, seller: str, sku: str) -> httpx.Response:
        if "marketplaceIds" not in request.url.params:
            return self.error(400, "Missing required 'marketplaceIds'.", "patchListingsItem")
        body = json.loads(request.content)
        submission = uuid.uuid4().hex
        if seller != self.seller_id or sku not in self.listings:
            return json_response(
                200,
                {
                    "sku": sku,
                    "status": "INVALID",
                    "submissionId": submission,
                    "issues": [
                        {
                            "code": "4000001",
                            "message": f"The SKU '{sku}' does not match any listing of this seller.",
                            "severity": "ERROR",
                            "attributeNames": [],
                        }
                    ],
                },
            )
        if self.take_item_failure(sku):
            return self.error(500, "We encountered an internal error. Please try again.", "patchListingsItem")
        for patch in body["patches"]:
            if patch["path"] != "/attributes/fulfillment_availability" or patch["op"] not in (
                "replace",
                "merge",
                "add",
            ):
                raise ValueError(f"unsupported patch {patch['op']} {patch['path']}")
            for value in patch["value"]:
                quantity = int(value["quantity"])
                if quantity < 0:
                    raise ValueError("quantity must be 0 or more")
                self.stock_write(sku, quantity)
        return json_response(200, {"sku": sku, "status": "ACCEPTED", "submissionId": submission, "issues": []})

    def _get_listing(self, request: httpx.Request, seller: str, sku: str) -> httpx.Response:
        if sku not in self.listings:
            return self.error(404, f"SKU '{sku}' not found in marketplace {self.marketplace_id}", "getListingsItem")
        return json_response(
            200,
            {
                "sku": sku,
                "fulfillmentAvailability": [
                    {"fulfillmentChannelCode": "DEFAULT", "quantity": self.stock_visible(sku) or 0}
                ],
            },
        )
