"""eBay through the Sell APIs: Inventory (bulk quantity), Fulfillment (orders), Post-Order (cancel).

Every call carries a User access token that `ebay_oauth.EbaySession` keeps fresh with the
seller's refresh token.

Stock goes out 25 SKUs per `bulk_update_price_quantity` call; a 207 answer carries a status
per SKU, so only the SKUs that failed are retried. Orders are read with offset paging on
`lastmodifieddate`. eBay meters calls per day: a 429 carries Retry-After (until the quota
resets), which blocks the channel's bucket so no worker keeps calling.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from marketplaces.connectors.base import (
    PushResult,
    RemoteLine,
    RemoteOrder,
    RequestRejected,
    ShipmentLine,
    StockItem,
    money,
    parse_time,
)
from marketplaces.connectors.ebay_oauth import EbaySession
from marketplaces.connectors.parcels import shipment_parcels


def parse_order(order: Mapping[str, Any]) -> RemoteOrder:
    """A Fulfillment API order."""
    ship_to: dict[str, Any] = {}
    for instruction in order.get("fulfillmentStartInstructions") or []:
        ship_to = (instruction.get("shippingStep") or {}).get("shipTo") or {}
        if ship_to:
            break
    address = ship_to.get("contactAddress") or {}
    buyer = order.get("buyer") or {}
    registration = buyer.get("buyerRegistrationAddress") or {}
    pricing = order.get("pricingSummary") or {}
    lines = [
        RemoteLine(
            external_line_id=str(item["lineItemId"]),
            sku=str(item.get("sku") or ""),
            product_id=str(item.get("legacyItemId") or ""),
            quantity=int(item.get("quantity") or 0),
            unit_price=(
                money((item.get("lineItemCost") or {}).get("value")) / max(int(item.get("quantity") or 1), 1)
            ).quantize(Decimal("0.01")),
            title=str(item.get("title") or ""),
        )
        for item in order.get("lineItems") or []
        if int(item.get("quantity") or 0) > 0
    ]
    return RemoteOrder(
        external_id=str(order["orderId"]),
        name=str(order["orderId"]),
        updated_at=parse_time(order.get("lastModifiedDate")),
        placed_at=parse_time(order.get("creationDate")),
        cancelled=((order.get("cancelStatus") or {}).get("cancelState") == "CANCELED"),
        customer_name=str(
            ship_to.get("fullName") or registration.get("fullName") or buyer.get("username") or "eBay buyer"
        ),
        customer_email=str(registration.get("email") or ship_to.get("email") or ""),
        customer_phone=str((ship_to.get("primaryPhone") or {}).get("phoneNumber") or ""),
        line1=str(address.get("addressLine1") or ""),
        line2=str(address.get("addressLine2") or ""),
        city=str(address.get("city") or ""),
        region=str(address.get("stateOrProvince") or ""),
        postal_code=str(address.get("postalCode") or ""),
        country=str(address.get("countryCode") or "US"),
        currency=str((pricing.get("total") or pricing.get("priceSubtotal") or {}).get("currency") or "USD"),
        shipping_total=money((pricing.get("deliveryCost") or {}).get("value")),
        tax_total=money((pricing.get("tax") or {}).get("value")),
        lines=lines,
    )


class EbayConnector(EbaySession):
    kind = "ebay"
    batch_size = 25
    limits = {
        "inventory": (25.0, 50.0),
        "fulfillment": (10.0, 20.0),
        "postorder": (5.0, 5.0),
        "identity": (1.0, 5.0),
    }

    def push_stock(self, items: list[StockItem]) -> list[PushResult]:
        body = {
            "requests": [
                {"sku": item.external_sku, "shipToLocationAvailability": {"quantity": item.quantity}} for item in items
            ]
        }
        response = self._request("POST", "/sell/inventory/v1/bulk_update_price_quantity", op="inventory", json=body)
        by_sku = {r.get("sku"): r for r in response.json().get("responses") or []}
        results = []
        for item in items:
            answer = by_sku.get(item.external_sku) or {}
            status = int(answer.get("statusCode") or 0)
            if status == 200:
                results.append(PushResult(item.sku_id, ok=True))
                continue
            message = (
                "; ".join(f"{e.get('errorId')}: {e.get('message')}" for e in answer.get("errors") or [])
                or "no answer for this SKU"
            )
            results.append(
                PushResult(
                    item.sku_id, ok=False, retryable=status >= 500 or status in (0, 429), error=f"eBay: {message}"
                )
            )
        return results

    def read_stock(self, items: list[StockItem]) -> dict[int, int]:
        found = {}
        for start in range(0, len(items), 25):
            chunk = items[start : start + 25]
            response = self._request(
                "POST",
                "/sell/inventory/v1/bulk_get_inventory_item",
                op="inventory",
                json={"requests": [{"sku": item.external_sku} for item in chunk]},
            )
            by_sku = {r.get("sku"): r for r in response.json().get("responses") or []}
            for item in chunk:
                answer = by_sku.get(item.external_sku) or {}
                if answer.get("statusCode") == 200:
                    availability = ((answer.get("inventoryItem") or {}).get("availability") or {}).get(
                        "shipToLocationAvailability"
                    ) or {}
                    found[item.sku_id] = int(availability.get("quantity") or 0)
        return found

    def list_orders(self, since: datetime) -> Iterator[RemoteOrder]:
        offset, limit = 0, 50
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{since.microsecond // 1000:03d}Z"
        while True:
            body = self._request(
                "GET",
                "/sell/fulfillment/v1/order",
                op="fulfillment",
                params={"filter": f"lastmodifieddate:[{stamp}..]", "limit": limit, "offset": offset},
            ).json()
            for order in body.get("orders") or []:
                yield parse_order(order)
            offset += limit
            if offset >= int(body.get("total") or 0):
                return

    def get_order(self, external_id: str) -> RemoteOrder:
        return parse_order(
            self._request("GET", f"/sell/fulfillment/v1/order/{quote(external_id, safe='')}", op="fulfillment").json()
        )

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
        """One shipping fulfillment per box: createShippingFulfillment takes a single `trackingNumber`.

        eBay's guide: "For each package, execute this call once", naming the line items and
        quantities in that package (each quantity above zero). Each box names the scanned contents
        when known, else the units spread over the boxes so every tracking number is attached to at
        least one unit and the quantities add up (`shipment_parcels`). The order's fulfillments are
        read first and a tracking number eBay already has is not sent again, so retrying after a
        partial failure (or a lost answer) adds no duplicate package.
        """
        order_path = f"/sell/fulfillment/v1/order/{quote(external_id, safe='')}/shipping_fulfillment"
        parcels = shipment_parcels(
            lines, tracking_number=tracking_number, tracking_numbers=tracking_numbers, parcel_lines=parcel_lines
        )
        existing = {
            str(f.get("shipmentTrackingNumber")): str(f.get("fulfillmentId"))
            for f in self._request("GET", order_path, op="fulfillment").json().get("fulfillments") or []
            if f.get("shipmentTrackingNumber")
        }
        shipped_date = shipped_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        ids = []
        for parcel in parcels:
            if parcel.tracking_number and parcel.tracking_number in existing:
                ids.append(existing[parcel.tracking_number])
                continue
            response = self._request(
                "POST",
                order_path,
                op="fulfillment",
                json={
                    "lineItems": [
                        {"lineItemId": line.external_line_id, "quantity": line.quantity} for line in parcel.lines
                    ],
                    "shippedDate": shipped_date,
                    "shippingCarrierCode": carrier or "Other",
                    "trackingNumber": parcel.tracking_number,
                },
            )
            ids.append(response.headers.get("Location", "").rsplit("/", 1)[-1])
        return ",".join(ids)

    def cancel_order(self, external_id: str, *, reason: str) -> str:
        response = self._request(
            "POST",
            "/post-order/v2/cancellation",
            op="postorder",
            json={"legacyOrderId": external_id, "cancelReason": "OUT_OF_STOCK_OR_CANNOT_FULFILL", "buyerPaid": True},
        )
        return str(response.json().get("cancelId", ""))

    def refund_create(
        self, external_id: str, *, amount: Decimal, currency: str, reason: str, lines: list[ShipmentLine]
    ) -> str:
        response = self._request(
            "POST",
            f"/sell/fulfillment/v1/order/{quote(external_id, safe='')}/issue_refund",
            op="fulfillment",
            json={
                "reasonForRefund": "BUYER_RETURN",
                "comment": reason[:100],
                "orderLevelRefundAmount": {"value": f"{amount:.2f}", "currency": currency},
            },
        )
        if not response.json().get("refundId"):
            raise RequestRejected("eBay answered the refund without a refund id.")
        return str(response.json()["refundId"])
