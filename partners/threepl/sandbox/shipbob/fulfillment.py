"""What ShipBob's warehouse does with an order in the sandbox: ship (in boxes, or short), deliver,
put in exception, cancel; on the clock (`tick`) or when a test says so. Each change owes the
webhooks ShipBob sends for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from partners.threepl.sandbox.shipbob.core import stamp
from partners.threepl.sandbox.shipbob.orders import OPEN, ShipBobOrders

USPS_TRACKING_PAGE = "https://tools.usps.com/go/TrackConfirmAction!input.action?tRef=qt&tLc=0&tLabels={}"


class ShipBobFulfillment(ShipBobOrders):
    """The warehouse's side of orders."""

    # Knobs ---------------------------------------------------------------------------------

    def ship(
        self, reference_or_id: str | int, *, boxes: int = 1, short: Mapping[str, int] | None = None
    ) -> dict[str, Any]:
        """Ship an order's open units now, in `boxes` boxes; `short` units (per SKU) are not there.

        The missing units end in one "Cancelled" shipment (out of stock). Owes, per box shipped,
        `order.shipment.tracking_received` and `order.shipped` (the whole Order), and
        `order.shipment.cancelled` for the missing units. Returns the order.
        """
        with self.lock:
            order = self.find(reference_or_id)
            open_items = self._open_items(order)
            if not open_items:
                return order
            missing = {sku: min(int(units), open_items.get(sku, 0)) for sku, units in (short or {}).items()}
            shipping = {sku: units - missing.get(sku, 0) for sku, units in open_items.items()}
            reused = next(s["id"] for s in order["shipments"] if s["status"] in OPEN)
            order["shipments"] = [s for s in order["shipments"] if s["status"] not in OPEN]
            boxes_items = [items for items in self._split(shipping, max(1, boxes)) if sum(items.values())]
            # The first box is the open shipment itself (its id stays); more boxes are new shipments.
            shipped = [
                self._ship_box(order, items, shipment_id=reused if index == 0 else None)
                for index, items in enumerate(boxes_items)
            ]
            cancelled = None
            if sum(missing.values()):
                cancelled = self._shipment(order, {s: u for s, u in missing.items() if u}, "Cancelled", "OutOfStock")
                order["shipments"].append(cancelled)
            for sku, units in open_items.items():
                item = self.inventory[sku]
                item["committed"] = max(0, item["committed"] - units)
                item["on_hand"] = max(0, item["on_hand"] - shipping.get(sku, 0))
            self._set_order_status(order)
            if cancelled is not None:
                self.owe_webhook("order.shipment.cancelled", cancelled)
            for shipment in shipped:
                self.owe_webhook("order.shipment.tracking_received", self._tracking_notice(order, shipment))
                self.owe_webhook("order.shipped", order)
            return order

    def deliver(self, reference_or_id: str | int) -> dict[str, Any]:
        """Every shipped box of the order is delivered now (`order.shipment.delivered` each)."""
        with self.lock:
            order = self.find(reference_or_id)
            for shipment in order["shipments"]:
                if shipment["status"] == "Completed" and not self._delivered(shipment):
                    self._deliver_box(shipment)
            return order

    def exception(self, reference_or_id: str | int, reason: str = "OutOfStock") -> dict[str, Any]:
        """The order's open shipments go to exception (`order.shipment.exception` each)."""
        with self.lock:
            order = self.find(reference_or_id)
            for shipment in order["shipments"]:
                if shipment["status"] in ("Processing", "OnHold"):
                    shipment.update(
                        status="Exception", status_details=[self._detail(reason)], last_update_at=stamp(self.now())
                    )
                    self.owe_webhook("order.shipment.exception", shipment)
            self._set_order_status(order)
            return order

    def cancel(self, reference_or_id: str | int) -> dict[str, Any]:
        """ShipBob cancels what has not shipped (`order.shipment.cancelled` each)."""
        with self.lock:
            order = self.find(reference_or_id)
            for shipment in order["shipments"]:
                if shipment["status"] in OPEN:
                    for product in shipment["products"]:
                        item = self.inventory[product["reference_id"]]
                        units = sum(i["quantity"] for i in product["inventory_items"])
                        item["committed"] = max(0, item["committed"] - units)
                    shipment.update(status="Cancelled", status_details=[], last_update_at=stamp(self.now()))
                    self.owe_webhook("order.shipment.cancelled", shipment)
            self._set_order_status(order)
            return order

    # The clock -----------------------------------------------------------------------------

    def tick(self) -> None:
        """Orders due ship (or go to exception when stock is strict and short); parcels travel."""
        super().tick()
        now = self.now()
        for order_id, order in list(self.orders.items()):
            processing = any(s["status"] == "Processing" for s in order["shipments"])
            if processing and self.auto_ship and now >= self.created_at[order_id] + self.ship_after:
                if self.strict_inventory and self._lacking(order):
                    self.exception(order_id)
                else:
                    self.ship(order_id)
            for shipment in order["shipments"]:
                shipped = self.shipped_at.get(shipment["id"])
                if shipment["status"] != "Completed" or shipped is None or self._delivered(shipment):
                    continue
                if now >= shipped + self.deliver_after:
                    self._deliver_box(shipment)
                elif now >= shipped + self.deliver_after / 2 and self._detail_name(shipment) == "Processing":
                    shipment.update(status_details=[self._detail("InTransit")], last_tracking_update_at=stamp(now))

    # Helpers -------------------------------------------------------------------------------

    def _open_items(self, order: dict[str, Any]) -> dict[str, int]:
        items: dict[str, int] = {}
        for shipment in order["shipments"]:
            if shipment["status"] in OPEN:
                for product in shipment["products"]:
                    units = sum(int(i["quantity"]) for i in product["inventory_items"])
                    items[product["reference_id"]] = items.get(product["reference_id"], 0) + units
        return items

    def _lacking(self, order: dict[str, Any]) -> bool:
        return any(self.inventory[sku]["on_hand"] < units for sku, units in self._open_items(order).items())

    @staticmethod
    def _split(items: Mapping[str, int], boxes: int) -> list[dict[str, int]]:
        """Units dealt into boxes one by one, so each box gets some when there are enough."""
        split: list[dict[str, int]] = [{} for _ in range(boxes)]
        index = 0
        for sku, units in items.items():
            for _unit in range(units):
                split[index % boxes][sku] = split[index % boxes].get(sku, 0) + 1
                index += 1
        return split

    def _ship_box(self, order: dict[str, Any], items: dict[str, int], *, shipment_id: int | None) -> dict[str, Any]:
        now = self.now()
        shipment = self._shipment(order, items, "Completed", "Processing")
        if shipment_id is not None:
            shipment["id"] = shipment_id
        number = "9261290" + "".join(str(self.random.randrange(10)) for _ in range(15))
        carrier_service = (
            "Priority" if "2" in order["shipping_method"] or "Express" in order["shipping_method"] else "ParcelSelect"
        )
        shipment.update(
            actual_fulfillment_date=stamp(now),
            is_tracking_uploaded=True,
            last_tracking_update_at=stamp(now),
            tracking={
                "bol": None,
                "carrier": "USPS",
                "carrier_service": carrier_service,
                "pro_number": None,
                "scac": None,
                "shipping_date": stamp(now),
                "tracking_number": number,
                "tracking_url": USPS_TRACKING_PAGE.format(number),
            },
        )
        order["shipments"].append(shipment)
        self.shipped_at[shipment["id"]] = now
        return shipment

    def _tracking_notice(self, order: dict[str, Any], shipment: dict[str, Any]) -> dict[str, Any]:
        """The published tracking_received body, filled in (no shipment id, as published)."""
        body = self.template("shipbob_order_shipment_tracking_received_webhook.json")
        tracking = shipment["tracking"]
        body.update(event_time=stamp(self.now()), order_id=order["id"], reference_id=order["reference_id"])
        body["tracking"] = {
            "carrier": tracking["carrier"],
            "carrier_service": tracking["carrier_service"],
            "tracking_id": tracking["tracking_number"],
            "tracking_url": tracking["tracking_url"],
        }
        return dict(body)

    @staticmethod
    def _detail_name(shipment: dict[str, Any]) -> str:
        details = shipment.get("status_details") or []
        return str(details[0]["name"]) if details else ""

    def _delivered(self, shipment: dict[str, Any]) -> bool:
        return self._detail_name(shipment) == "Delivered"

    def _deliver_box(self, shipment: dict[str, Any]) -> None:
        shipped = self.shipped_at.get(shipment["id"], self.now())
        # On the clock a parcel arrives when it was due; told to arrive now, it arrives now.
        delivered = max(min(self.now(), shipped + self.deliver_after), shipped)
        shipment.update(
            delivery_date=stamp(delivered),
            status_details=[self._detail("Delivered")],
            last_tracking_update_at=stamp(delivered),
            last_update_at=stamp(delivered),
        )
        self.owe_webhook("order.shipment.delivered", shipment)
