"""`AmazonConnector`: stock by Listings Items (or by feed, see `feeds`), orders by Orders v0, and
the ORDER_CHANGE notifications of the seller's SQS queue when it has one (see `notices`), set up
by the Notifications API (see `subscriptions`).

The Listings Items API has no batch: stock is one `patchListingsItem` per SKU, replacing
`/attributes/fulfillment_availability` with the absolute quantity.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from marketplaces.connectors.amazon.feeds import AmazonFeeds
from marketplaces.connectors.amazon.orders import parse_order
from marketplaces.connectors.amazon.session import quantity_patches
from marketplaces.connectors.amazon.subscriptions import AmazonSubscriptions
from marketplaces.connectors.base import (
    PushResult,
    RemoteOrder,
    RequestRejected,
    ShipmentLine,
    StockItem,
)
from marketplaces.connectors.parcels import shipment_parcels


class AmazonConnector(AmazonFeeds, AmazonSubscriptions):
    kind = "amazon"
    batch_size = 1

    # Stock -------------------------------------------------------------------------------

    def _listing_path(self, sku: str) -> str:
        return f"/listings/2021-08-01/items/{quote(self.seller_id, safe='')}/{quote(sku, safe='')}"

    def push_stock(self, items: list[StockItem]) -> list[PushResult]:
        results = []
        for item in items:
            response = self._request(
                "PATCH",
                self._listing_path(item.external_sku),
                op="patchListingsItem",
                params={"marketplaceIds": self.marketplace_id, "issueLocale": "en_US"},
                json={
                    "productType": "PRODUCT",
                    "patches": quantity_patches(item.quantity),
                },
            )
            body = response.json()
            if body.get("status") == "ACCEPTED":
                results.append(PushResult(item.sku_id, ok=True))
            else:
                issues = "; ".join(
                    f"{i.get('code')}: {i.get('message')}" for i in body.get("issues") or []
                ) or body.get("status")
                results.append(PushResult(item.sku_id, ok=False, retryable=False, error=f"Amazon: {issues}"))
        return results

    def read_stock(self, items: list[StockItem]) -> dict[int, int]:
        found = {}
        for item in items:
            try:
                response = self._request(
                    "GET",
                    self._listing_path(item.external_sku),
                    op="getListingsItem",
                    params={"marketplaceIds": self.marketplace_id, "includedData": "fulfillmentAvailability"},
                )
            except RequestRejected:
                continue
            for availability in response.json().get("fulfillmentAvailability") or []:
                if availability.get("fulfillmentChannelCode") == "DEFAULT":
                    found[item.sku_id] = int(availability.get("quantity") or 0)
        return found

    # Orders ------------------------------------------------------------------------------

    def _complete(self, order: Mapping[str, Any]) -> RemoteOrder:
        order_id = quote(str(order["AmazonOrderId"]), safe="")
        items = self._request("GET", f"/orders/v0/orders/{order_id}/orderItems", op="getOrderItems").json()["payload"][
            "OrderItems"
        ]
        address = (
            None
            if order.get("ShippingAddress")
            else self._request("GET", f"/orders/v0/orders/{order_id}/address", op="getOrderAddress")
            .json()["payload"]
            .get("ShippingAddress")
        )
        buyer = (
            None
            if order.get("BuyerInfo")
            else self._request("GET", f"/orders/v0/orders/{order_id}/buyerInfo", op="getOrderBuyerInfo").json()[
                "payload"
            ]
        )
        return parse_order(order, items, address, buyer)

    def list_orders(self, since: datetime) -> Iterator[RemoteOrder]:
        params: dict[str, str] = {
            "MarketplaceIds": self.marketplace_id,
            "LastUpdatedAfter": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        while True:
            payload = self._request("GET", "/orders/v0/orders", op="getOrders", params=params).json()["payload"]
            for order in payload.get("Orders") or []:
                yield self._complete(order)
            if not payload.get("NextToken"):
                return
            params = {"MarketplaceIds": self.marketplace_id, "NextToken": payload["NextToken"]}

    def get_order(self, external_id: str) -> RemoteOrder:
        order = self._request("GET", f"/orders/v0/orders/{quote(external_id, safe='')}", op="getOrder").json()[
            "payload"
        ]
        return self._complete(order)

    # Confirmations -----------------------------------------------------------------------

    def confirm_shipment(
        self,
        external_id: str,
        lines: list[ShipmentLine],
        *,
        carrier: str,
        tracking_number: str,
        tracking_numbers: Sequence[str] = (),
        shipped_at: datetime,
        parcel_lines: Sequence[Sequence[ShipmentLine]] = (),
    ) -> str:
        """One confirmShipment call per box: `packageDetail` holds a single package.

        Amazon's guide for several tracking numbers: "send multiple requests with the same order ID
        but different package reference IDs" (positive numbers). Each box is package 1, 2, ... in
        box order, so a retry after a partial failure re-sends the same reference ids, which Amazon
        treats as edits of the packages it already has, not new ones. Each package names the items
        in it (Amazon shows the customer how many to expect per package): the scanned contents when
        known, else the units spread over the boxes (`shipment_parcels`).
        """
        path = f"/orders/v0/orders/{quote(external_id, safe='')}/shipmentConfirmation"
        ship_date = shipped_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        parcels = shipment_parcels(
            lines, tracking_number=tracking_number, tracking_numbers=tracking_numbers, parcel_lines=parcel_lines
        )
        for reference, parcel in enumerate(parcels, start=1):
            self._request(
                "POST",
                path,
                op="confirmShipment",
                json={
                    "marketplaceId": self.marketplace_id,
                    "packageDetail": {
                        "packageReferenceId": str(reference),
                        "carrierCode": carrier or "Other",
                        "trackingNumber": parcel.tracking_number,
                        "shipDate": ship_date,
                        "orderItems": [
                            {"orderItemId": line.external_line_id, "quantity": line.quantity} for line in parcel.lines
                        ],
                    },
                },
            )
        return ",".join(parcel.tracking_number for parcel in parcels)

    def cancel_order(self, external_id: str, *, reason: str) -> str:
        raise RequestRejected(
            f"Amazon does not cancel merchant-fulfilled orders through the Orders API: cancel {external_id} "
            "in Seller Central (Manage Orders → Cancel order)."
        )

    def refund_create(
        self, external_id: str, *, amount: Decimal, currency: str, reason: str, lines: list[ShipmentLine]
    ) -> str:
        raise RequestRejected(
            f"Amazon refunds are issued in Seller Central (Manage Orders → {external_id} → Refund order), "
            "not through the Orders API."
        )
