"""Inventory levels and warehouse receiving orders (WROs) in the ShipBob sandbox.

- `GET /{v}/inventory-level?PageSize=&Cursor=`: a cursor page of the published
  inventory-level item (`total_on_hand_quantity`, `total_fulfillable_quantity` = on hand minus
  committed, `total_committed_quantity`, `total_awaiting_quantity` = units expected by open WROs).
- `POST /{v}/receiving` (also the deprecated 1.0 / 2.0 paths): fulfillment center id, package
  type, box packaging type, boxes with `box_items` of known `inventory_id`s, an arrival date in the
  future ("Arrival date must be in the future." otherwise), a purchase order number; answered as
  the captured WRO (`shipbob_receiving_order_get_response_sandbox.json`) with status "Awaiting".
- `GET /{v}/receiving/{id}` and `GET /{v}/receiving?PurchaseOrderNumbers=&Statuses=`.
Knobs: `arrive(id)`, `complete_receiving(id, received={sku: units})` (stowed into stock), and
`receive_after` (None: only when told) to complete on the clock. ShipBob sends no receiving
webhooks: clients poll. Operations for faults: "inventory", "receiving_create", "receiving".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from core.sandbox import json_response
from partners.threepl.sandbox.shipbob.core import RECEIVING_VERSIONS, VERSIONS, stamp
from partners.threepl.sandbox.shipbob.fulfillment import ShipBobFulfillment

WRO_SAMPLE = "shipbob_receiving_order_get_response_sandbox.json"
PACKAGE_TYPES = ("Package", "Pallet", "FloorLoadedContainer")
BOX_PACKAGING_TYPES = ("EverythingInOneBox", "OneSkuPerBox", "MultipleSkuPerBox")


class ShipBobReceiving(ShipBobFulfillment):
    """Stock levels, and the inbound orders that add to them."""

    def setup(self) -> None:
        """Receiving orders and their clock."""
        super().setup()
        self.receivings: dict[int, dict[str, Any]] = {}
        self.receiving_created: dict[int, datetime] = {}
        self.receive_after: timedelta | None = None
        self.next_receiving_id = 443_000
        self.route("GET", rf"/{VERSIONS}/inventory-level", "inventory", self._levels)
        self.route("POST", rf"/{RECEIVING_VERSIONS}/receiving", "receiving_create", self._create_receiving)
        self.route("GET", rf"/{RECEIVING_VERSIONS}/receiving", "receiving", self._list_receiving)
        self.route("GET", rf"/{RECEIVING_VERSIONS}/receiving/(?P<receiving_id>\d+)", "receiving", self._get_receiving)

    # Inventory -----------------------------------------------------------------------------

    def _level(self, sku: str, item: dict[str, Any]) -> dict[str, Any]:
        level = self.template("shipbob_inventory_level_list_response_example.json", "items", 0)
        fulfillable = max(0, item["on_hand"] - item["committed"])
        level.update(
            inventory_id=item["inventory_id"],
            name=item["name"],
            sku=sku,
            total_awaiting_quantity=item["awaiting"],
            total_backordered_quantity=max(0, item["committed"] - item["on_hand"]),
            total_committed_quantity=item["committed"],
            total_exception_quantity=0,
            total_fulfillable_quantity=fulfillable,
            total_internal_transfer_quantity=0,
            total_on_hand_quantity=item["on_hand"],
            total_sellable_quantity=fulfillable,
        )
        return dict(level)

    def _levels(self, request: httpx.Request, version: str) -> httpx.Response:
        rows = [
            self._level(sku, item) for sku, item in sorted(self.inventory.items(), key=lambda kv: kv[1]["inventory_id"])
        ]
        return json_response(200, self.page(rows, request))

    def inventory_of(self, sku: str) -> int:
        """Units of a SKU on hand at ShipBob (0 for an unknown SKU)."""
        item = self.inventory.get(sku)
        return int(item["on_hand"]) if item else 0

    # Receiving -----------------------------------------------------------------------------

    def _create_receiving(self, request: httpx.Request, version: str) -> httpx.Response:
        data = self.body(request)
        by_inventory_id = {item["inventory_id"]: sku for sku, item in self.inventory.items()}
        errors: dict[str, list[str]] = {}
        if int((data.get("fulfillment_center") or {}).get("id") or 0) != self.fulfillment_center["id"]:
            errors["fulfillment_center.id"] = ["Unknown fulfillment center."]
        if data.get("package_type") not in PACKAGE_TYPES:
            errors["package_type"] = [f"Use one of {', '.join(PACKAGE_TYPES)}."]
        if data.get("box_packaging_type") not in BOX_PACKAGING_TYPES:
            errors["box_packaging_type"] = [f"Use one of {', '.join(BOX_PACKAGING_TYPES)}."]
        arrival = str(data.get("expected_arrival_date") or "")
        try:
            arrives = datetime.fromisoformat(arrival.replace("Z", "+00:00"))
            if arrives.tzinfo is None or arrives <= self.now():
                errors["expected_arrival_date"] = ["Arrival date must be in the future."]
        except ValueError:
            errors["expected_arrival_date"] = ["The expected_arrival_date field is required."]
        expected: dict[str, int] = {}
        boxes = data.get("boxes") or []
        if not boxes:
            errors["boxes"] = ["At least one box is required."]
        for b, box in enumerate(boxes):
            for i, line in enumerate(box.get("box_items") or []):
                sku = by_inventory_id.get(int(line.get("inventory_id") or 0))
                quantity = line.get("quantity")
                if sku is None:
                    errors[f"boxes[{b}].box_items[{i}].inventory_id"] = ["Invalid inventory id."]
                elif not isinstance(quantity, int) or quantity < 1:
                    errors[f"boxes[{b}].box_items[{i}].quantity"] = ["Quantity must be 1 or more."]
                else:
                    expected[sku] = expected.get(sku, 0) + quantity
        if errors:
            return self.problem(400, errors)
        return json_response(201, self._new_receiving(data, expected, version))

    def _new_receiving(self, data: dict[str, Any], expected: Mapping[str, int], version: str) -> dict[str, Any]:
        now = self.now()
        self.next_receiving_id += 1
        wro = self.template(WRO_SAMPLE)
        wro.update(
            id=self.next_receiving_id,
            status="Awaiting",
            package_type=data["package_type"],
            box_packaging_type=data["box_packaging_type"],
            expected_arrival_date=data["expected_arrival_date"],
            insert_date=stamp(now),
            last_updated_date=stamp(now),
            box_labels_uri=f"/{version}/receiving/{self.next_receiving_id}/labels",
            purchase_order_number=str(data.get("purchase_order_number") or ""),
            inventory_quantities=[
                {
                    "inventory_id": self.inventory[sku]["inventory_id"],
                    "sku": sku,
                    "expected_quantity": units,
                    "received_quantity": 0,
                    "stowed_quantity": 0,
                }
                for sku, units in expected.items()
            ],
            external_sync_timestamp=None,
        )
        for sku, units in expected.items():
            self.inventory[sku]["awaiting"] += units
        self.receivings[wro["id"]] = wro
        self.receiving_created[wro["id"]] = now
        return dict(wro)

    def _list_receiving(self, request: httpx.Request, version: str) -> httpx.Response:
        numbers = {n for n in request.url.params.get("PurchaseOrderNumbers", "").split(",") if n}
        statuses = {s for s in request.url.params.get("Statuses", "").split(",") if s}
        rows = [
            wro
            for _, wro in sorted(self.receivings.items())
            if (not numbers or wro["purchase_order_number"] in numbers) and (not statuses or wro["status"] in statuses)
        ]
        return json_response(200, self.page(rows, request) if "-" in version else rows)

    def _get_receiving(self, request: httpx.Request, version: str, receiving_id: str) -> httpx.Response:
        wro = self.receivings.get(int(receiving_id))
        return json_response(200, wro) if wro is not None else self.not_found()

    def arrive(self, receiving_id: int) -> dict[str, Any]:
        """The boxes are at the dock: "Arrived" (nothing counted yet)."""
        with self.lock:
            wro = self.receivings[receiving_id]
            if wro["status"] == "Awaiting":
                wro.update(status="Arrived", last_updated_date=stamp(self.now()))
            return wro

    def complete_receiving(self, receiving_id: int, received: Mapping[str, int] | None = None) -> dict[str, Any]:
        """Counted and stowed: `received` units per SKU (default: what was expected) join the stock."""
        with self.lock:
            wro = self.receivings[receiving_id]
            if wro["status"] == "Completed":
                return wro
            for line in wro["inventory_quantities"]:
                units = int((received or {}).get(line["sku"], line["expected_quantity"]))
                line.update(received_quantity=units, stowed_quantity=units)
                item = self.inventory[line["sku"]]
                item["awaiting"] = max(0, item["awaiting"] - line["expected_quantity"])
                item["on_hand"] += units
            now = stamp(self.now())
            wro.update(status="Completed", last_updated_date=now, external_sync_timestamp=now)
            return wro

    def tick(self) -> None:
        """Receiving orders complete `receive_after` their creation, when that knob is set."""
        super().tick()
        if self.receive_after is None:
            return
        now = self.now()
        for receiving_id, wro in list(self.receivings.items()):
            if (
                wro["status"] in ("Awaiting", "Arrived")
                and now >= self.receiving_created[receiving_id] + self.receive_after
            ):
                self.complete_receiving(receiving_id)
