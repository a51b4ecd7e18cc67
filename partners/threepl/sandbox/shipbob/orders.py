"""ShipBob orders in the sandbox: created once per reference, then fulfilled on the sandbox's clock.

Routes (`{v}` is 2025-07, 2026-01 or 2026-07): `POST /{v}/order` (the `shipbob_channel_id`
header required; 400 with field errors; 422 for a reference_id the account has already),
`GET /{v}/order?ReferenceIds=&IDs=&PageSize=&Cursor=` (a cursor page), `GET /{v}/order/{id}` and
`POST /{v}/order/{id}:cancel` (what has not shipped; the answer says per shipment).
Orders are the published Order object (`shipbob_order_create_response_example.json`) filled in.

Life of an order: created "Processing" with one shipment "Processing"; after `ship_after` (the
knob `auto_ship` off: only when told) it ships (`ship()`): each box a "Completed" shipment with
USPS tracking, `order.shipment.tracking_received` then `order.shipped` (the full Order) per box;
in transit half way, delivered after `deliver_after` (`order.shipment.delivered`, the Shipment).
Knobs: `ship(ref, boxes=, short={sku: units})` (missing units go to a "Cancelled" shipment,
`order.shipment.cancelled`), `deliver(ref)`, `exception(ref)` (out of stock:
`order.shipment.exception`), `cancel(ref)`; `strict_inventory` ships only what the sandbox's
stock holds (else the shipment goes to exception when it is due).
Operations for faults: "order_create", "orders", "order", "order_cancel".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from core.sandbox import json_response
from partners.threepl.sandbox.shipbob.core import VERSIONS, ShipBobCore, stamp

ORDER_SAMPLE = "shipbob_order_create_response_example.json"
OPEN = ("Processing", "Exception", "OnHold")
#: Shipment status details (https://developer.shipbob.com/status-reference): name -> (id, description).
DETAILS = {
    "Labeled": (102, "Label Generated"),
    "Processing": (200, "Waiting For Carrier Pickup"),
    "InTransit": (201, "Shipment In Transit"),
    "OutForDelivery": (202, "Shipment Out For Delivery"),
    "Delivered": (203, "Shipment Delivered"),
    "OutOfStock": (303, "No Stock On Hand For Sku"),
}
OUNCES_PER_UNIT = 8  # the sandbox knows no product weights: every unit weighs half a pound


class ShipBobOrders(ShipBobCore):
    """Orders, their shipments and the webhooks they owe."""

    def setup(self) -> None:
        """Order state, the fulfillment clock knobs and the product catalogue orders create."""
        super().setup()
        self.orders: dict[int, dict[str, Any]] = {}
        self.references: dict[str, int] = {}
        self.shipped_at: dict[int, datetime] = {}
        self.created_at: dict[int, datetime] = {}
        self.inventory: dict[str, dict[str, Any]] = {}
        self.auto_ship = True
        self.strict_inventory = False
        self.ship_after = timedelta(hours=4)
        self.deliver_after = timedelta(days=2)
        self.next_order_id = 100_000_000
        self.next_shipment_id = 200_000_000
        self.route("POST", rf"/{VERSIONS}/order", "order_create", self._create)
        self.route("GET", rf"/{VERSIONS}/order", "orders", self._list)
        self.route("GET", rf"/{VERSIONS}/order/(?P<order_id>\d+)", "order", self._get)
        self.route("POST", rf"/{VERSIONS}/order/(?P<order_id>\d+):cancel", "order_cancel", self._cancel)

    # Catalogue -----------------------------------------------------------------------------

    def add_product(self, sku: str, name: str = "", on_hand: int = 0) -> dict[str, Any]:
        """The inventory item of a SKU, created on first use (as orders create unknown products)."""
        with self.lock:
            item = self.inventory.get(sku)
            if item is None:
                item = {
                    "inventory_id": 8_588_000 + len(self.inventory) + 331,
                    "product_id": 7_100_000 + len(self.inventory),
                    "name": name or sku,
                    "on_hand": 0,
                    "committed": 0,
                    "awaiting": 0,
                }
                self.inventory[sku] = item
            item["on_hand"] += on_hand
            return item

    def set_inventory(self, sku: str, on_hand: int, name: str = "") -> None:
        """What ShipBob holds of a SKU (a test's or the demo's starting stock, or a miscount)."""
        with self.lock:
            self.add_product(sku, name)["on_hand"] = on_hand

    # HTTP ----------------------------------------------------------------------------------

    def _create(self, request: httpx.Request, version: str) -> httpx.Response:
        refusal = self.channel_refusal(request, required=True)
        if refusal is not None:
            return refusal
        data = self.body(request)
        errors = self._validate(data)
        if errors:
            return self.problem(400, errors)
        reference = str(data["reference_id"])
        if reference in self.references:
            return self.problem(
                422, {"ReferenceId": [f"Duplicate reference ID: {reference}."]}, title="Unprocessable Entity"
            )
        order = self._new_order(data)
        return json_response(201, order)

    def _validate(self, data: dict[str, Any]) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        recipient = data.get("recipient") or {}
        address = recipient.get("address") or {}
        if not str(data.get("reference_id") or "").strip():
            errors["reference_id"] = ["The reference_id field is required."]
        if not str(data.get("shipping_method") or "").strip():
            errors["shipping_method"] = ["The shipping_method field is required."]
        if not str(recipient.get("name") or "").strip():
            errors["recipient.name"] = ["The Name field is required."]
        for key in ("address1", "city", "country"):
            if not str(address.get(key) or "").strip():
                errors[f"recipient.address.{key}"] = [f"The {key} field is required."]
        products = data.get("products") or []
        if not products:
            errors["products"] = ["At least one product is required."]
        for index, product in enumerate(products):
            if not str(product.get("reference_id") or "").strip():
                errors[f"products[{index}].reference_id"] = ["The reference_id field is required."]
            if not isinstance(product.get("quantity"), int) or product["quantity"] < 1:
                errors[f"products[{index}].quantity"] = ["Quantity must be a whole number of 1 or more."]
        return errors

    def _list(self, request: httpx.Request, version: str) -> httpx.Response:
        refusal = self.channel_refusal(request, required=False)
        if refusal is not None:
            return refusal
        references = {r for r in request.url.params.get("ReferenceIds", "").split(",") if r}
        ids = {int(i) for i in request.url.params.get("IDs", "").split(",") if i}
        rows = [
            order
            for order_id, order in sorted(self.orders.items())
            if (not references or order["reference_id"] in references) and (not ids or order_id in ids)
        ]
        return json_response(200, self.page(rows, request))

    def _get(self, request: httpx.Request, version: str, order_id: str) -> httpx.Response:
        refusal = self.channel_refusal(request, required=False)
        if refusal is not None:
            return refusal
        order = self.orders.get(int(order_id))
        return json_response(200, order) if order is not None else self.not_found()

    def _cancel(self, request: httpx.Request, version: str, order_id: str) -> httpx.Response:
        """POST /{v}/order/{id}:cancel: every open shipment cancelled; a shipped one cannot be.

        No `order.shipment.cancelled` webhook follows (ShipBob sends none for cancellations made
        by the merchant); the answer says what became of each shipment.
        """
        refusal = self.channel_refusal(request, required=True)
        if refusal is not None:
            return refusal
        order = self.orders.get(int(order_id))
        if order is None:
            return self.not_found()
        results = []
        for shipment in order["shipments"]:
            cancellable = shipment["status"] in OPEN
            if cancellable:
                for product in shipment["products"]:
                    item = self.inventory[product["reference_id"]]
                    units = sum(int(i["quantity"]) for i in product["inventory_items"])
                    item["committed"] = max(0, item["committed"] - units)
                shipment.update(status="Cancelled", status_details=[], last_update_at=stamp(self.now()))
            results.append(
                {
                    "action": "Cancel",
                    "is_success": cancellable or shipment["status"] == "Cancelled",
                    "reason": None if cancellable or shipment["status"] == "Cancelled" else "Shipment already shipped.",
                    "shipment_id": shipment["id"],
                }
            )
        self._set_order_status(order)
        body = {
            "canceled_shipment_results": results,
            "order": order,
            "order_id": order["id"],
            "status": order["status"],
        }
        return json_response(200, body)

    # Building orders -----------------------------------------------------------------------

    def _new_order(self, data: dict[str, Any]) -> dict[str, Any]:
        now = self.now()
        self.next_order_id += 1
        order_id = self.next_order_id
        order = self.template(ORDER_SAMPLE)
        products = []
        items: dict[str, int] = {}
        for line in data["products"]:
            sku = str(line["reference_id"])
            item = self.add_product(sku, str(line.get("name") or ""))
            item["committed"] += int(line["quantity"])
            items[sku] = items.get(sku, 0) + int(line["quantity"])
            products.append(
                {
                    "external_line_id": line.get("external_line_id"),
                    "gtin": line.get("gtin"),
                    "id": item["product_id"],
                    "quantity": int(line["quantity"]),
                    "quantity_unit_of_measure_code": line.get("quantity_unit_of_measure_code"),
                    "reference_id": sku,
                    "sku": sku,
                    "unit_price": line.get("unit_price"),
                    "upc": line.get("upc"),
                }
            )
        recipient = dict(data["recipient"])
        order.update(
            channel={"id": self.channel_id, "name": self.channel_name},
            created_date=stamp(now),
            purchase_date=data.get("purchase_date") or stamp(now),
            financials={"total_price": float((data.get("financials") or {}).get("total_price") or 0)},
            gift_message=data.get("gift_message"),
            id=order_id,
            order_number=str(data.get("order_number") or order_id),
            products=products,
            recipient=recipient,
            reference_id=str(data["reference_id"]),
            retailer_program_data=data.get("retailer_program_data"),
            shipping_method=str(data["shipping_method"]),
            shipping_terms=data.get("shipping_terms") or {"carrier_type": "Parcel", "payment_term": "Prepaid"},
            status="Processing",
            tags=data.get("tags") or [],
            type=data.get("type") or "DTC",
        )
        order["shipments"] = [self._shipment(order, items, "Processing")]
        self.orders[order_id] = order
        self.references[order["reference_id"]] = order_id
        self.created_at[order_id] = now
        return order

    def _shipment(self, order: dict[str, Any], items: dict[str, int], status: str, detail: str = "") -> dict[str, Any]:
        now = self.now()
        self.next_shipment_id += 1
        shipment = self.template(ORDER_SAMPLE, "shipments", 0)
        recipient = dict(order["recipient"])
        recipient["full_name"] = recipient.get("name")
        units = sum(items.values())
        shipment.update(
            actual_fulfillment_date=None,
            created_date=stamp(now),
            delivery_date=None,
            estimated_fulfillment_date=stamp(now + self.ship_after),
            estimated_fulfillment_date_status="PendingOnTime",
            gift_message=order.get("gift_message"),
            id=self.next_shipment_id,
            insurance_value=0,
            invoice_amount=order["financials"]["total_price"],
            invoice_currency_code="USD",
            is_tracking_uploaded=False,
            last_tracking_update_at=None,
            last_update_at=stamp(now),
            location={"id": self.fulfillment_center["id"], "name": self.fulfillment_center["name"]},
            measurements={"depth_in": 6, "length_in": 10, "total_weight_oz": OUNCES_PER_UNIT * units, "width_in": 8},
            order_id=order["id"],
            package_material_type="Box",
            parent_cartons=[],
            products=[self._shipment_product(sku, quantity) for sku, quantity in items.items() if quantity > 0],
            recipient=recipient,
            reference_id=order["reference_id"],
            require_signature=False,
            ship_option=order["shipping_method"],
            status=status,
            status_details=[self._detail(detail)] if detail else [],
            tracking=None,
        )
        return shipment

    def _shipment_product(self, sku: str, quantity: int) -> dict[str, Any]:
        item = self.inventory[sku]
        return {
            "id": item["product_id"],
            "inventory_items": [
                {
                    "expiration_date": None,
                    "id": item["inventory_id"],
                    "is_dangerous_goods": False,
                    "lot": None,
                    "name": item["name"],
                    "quantity": quantity,
                    "quantity_committed": quantity,
                    "serial_numbers": [],
                }
            ],
            "name": item["name"],
            "reference_id": sku,
            "sku": sku,
        }

    def _detail(self, name: str) -> dict[str, Any]:
        detail_id, description = DETAILS.get(name, (0, name))
        return {
            "description": description,
            "exception_fulfillment_center_id": self.fulfillment_center["id"] if detail_id == 303 else None,
            "extra_information": None,
            "id": detail_id,
            "inventory_id": None,
            "name": name,
        }

    def find(self, reference_or_id: str | int) -> dict[str, Any]:
        """An order by our reference_id or ShipBob's id (KeyError if the sandbox has none)."""
        if str(reference_or_id) in self.references:
            return self.orders[self.references[str(reference_or_id)]]
        return self.orders[int(reference_or_id)]

    @staticmethod
    def ordered(order: dict[str, Any]) -> dict[str, int]:
        """Units per SKU an order asked for."""
        items: dict[str, int] = {}
        for product in order["products"]:
            items[product["reference_id"]] = items.get(product["reference_id"], 0) + int(product["quantity"])
        return items

    def _set_order_status(self, order: dict[str, Any]) -> None:
        statuses = {shipment["status"] for shipment in order["shipments"]}
        if "Exception" in statuses:
            order["status"] = "Exception"
        elif statuses <= {"Cancelled"}:
            order["status"] = "Cancelled"
        elif statuses <= {"Completed"}:
            order["status"] = "Fulfilled"
        elif statuses <= {"Completed", "Cancelled"}:
            order["status"] = "PartiallyFulfilled"
        else:
            order["status"] = "Processing"
