"""Shipments: rating, buying once, label files on demand, and refunds within the carrier's window.

- POST /v2/shipments answers the Shipment with `rates[]` (see `pricing`); a carrier that cannot
  rate adds a `messages[]` entry instead (`failing_carriers` forces one), as EasyPost does.
- POST /v2/shipments/{id}/buy `{"rate": {"id"}}` buys once: a second buy answers 422
  `SHIPMENT.POSTAGE.EXISTS`. `purchases` lists every purchase made.
- The bought label is a PDF (`label_url`); GET /v2/shipments/{id}/label?file_format=PDF|ZPL
  fills `label_pdf_url` / `label_zpl_url`. Files come from `carriers.documents`.
- POST /v2/shipments/{id}/refund: `refund_status` "submitted", "refunded" once
  `refund_processing` has passed; refused with 422 `SHIPMENT.REFUND.UNAVAILABLE` after the
  carrier's window (`refund_windows`: USPS 30 days, UPS and FedEx 90) or once the parcel is scanned.
Shipments are built on the published create and buy responses.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from carriers.builtin import fedex_check_digit, ups_check_digit, usps_check_digit
from carriers.connectors.base import GRAMS_PER_OUNCE, PostalAddress
from carriers.documents import LabelContent, label_pdf, label_zpl
from carriers.sandbox.easypost.core import API, load_sample, stamp
from carriers.sandbox.easypost.pricing import CARRIERS, quote_all
from carriers.sandbox.easypost.tracking import EasyPostTracking
from core.sandbox import json_response

SHIPMENT = rf"{API}/shipments/(?P<shipment_id>shp_\w+)"
#: UPS service codes inside a 1Z tracking number.
UPS_SERVICE_CODES = {"NextDayAir": "01", "2ndDayAir": "02", "Ground": "03", "3DaySelect": "12"}


@dataclass
class ShipmentMeta:
    """What the sandbox knows of a shipment beyond its JSON: times and the physical direction."""

    created: datetime
    origin: dict[str, Any]  # where the parcel really leaves from (the customer, for a return)
    destination: dict[str, Any]
    weight_oz: Decimal
    bought_at: datetime | None = None
    refund_requested_at: datetime | None = None


def postal_address(address: dict[str, Any]) -> PostalAddress:
    """An Address object as the label renderer takes it."""
    return PostalAddress(
        name=address.get("name") or "",
        company=address.get("company") or "",
        street1=address.get("street1") or "",
        street2=address.get("street2") or "",
        city=address.get("city") or "",
        state=address.get("state") or "",
        postal_code=address.get("zip") or "",
        country=address.get("country") or "US",
    )


def _dimensions(parcel: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal] | None:
    values = [Decimal(str(parcel.get(key) or 0)) for key in ("length", "width", "height")]
    return (values[0], values[1], values[2]) if all(value > 0 for value in values) else None


class EasyPostShipments(EasyPostTracking):
    """Shipments, their rates, labels and refunds."""

    def setup(self) -> None:
        """Shipment state, the refund rules and the carriers' accounts."""
        super().setup()
        self.shipments: dict[str, dict[str, Any]] = {}
        self.shipment_meta: dict[str, ShipmentMeta] = {}
        self.purchases: list[str] = []
        self.refund_windows = {"USPS": timedelta(days=30), "UPS": timedelta(days=90), "FedEx": timedelta(days=90)}
        self.refund_processing = timedelta(days=2)
        self.rate_ttl: timedelta | None = None  # set to make rates expire
        self.failing_carriers: dict[str, str] = {}
        self.carrier_accounts = {carrier: self.object_id("ca") for carrier in CARRIERS}
        self.route("POST", rf"{API}/shipments", "rates", self._create_shipment)
        self.route("GET", SHIPMENT, "shipments", self._get_shipment)
        self.route("POST", rf"{SHIPMENT}/buy", "buy", self._buy_request)
        self.route("GET", rf"{SHIPMENT}/label", "label", self._label_request)
        self.route("POST", rf"{SHIPMENT}/refund", "refund", self._refund_request)

    # Views ---------------------------------------------------------------------------------

    def shipment_view(self, shipment_id: str) -> dict[str, Any]:
        """The Shipment as of now: its tracker moved on, its refund maybe processed."""
        shipment = self.shipments[shipment_id]
        meta = self.shipment_meta[shipment_id]
        if shipment["tracking_code"]:
            tracker = self.tracker_object(self.trackers[shipment["tracking_code"]])
            shipment.update(tracker=tracker, status=tracker["status"])
        if meta.refund_requested_at and self.now() - meta.refund_requested_at >= self.refund_processing:
            shipment["refund_status"] = "refunded"
            for fee in shipment["fees"]:
                fee["refunded"] = True
        return copy.deepcopy(shipment)

    def _shipment(self, shipment_id: str) -> dict[str, Any] | None:
        return self.shipments.get(shipment_id)

    # Create --------------------------------------------------------------------------------

    def _create_shipment(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)["shipment"]
        for required in ("to_address", "from_address", "parcel"):
            if not body.get(required):
                return self.refuse(422, "SHIPMENT.INVALID_PARAMS", f"Missing required parameter: {required}.")
        weight_oz = Decimal(str(body["parcel"].get("weight") or 0))
        if weight_oz <= 0:
            return self.refuse(
                422, "PARCEL.PARAMETERS.INVALID", "Invalid parcel: weight must be greater than 0 ounces."
            )
        now = self.now()
        shipment = copy.deepcopy(load_sample("easypost_shipment_create_response.json"))
        shipment_id = self.object_id("shp")
        to_address = self.address_object(body["to_address"])
        from_address = self.address_object(body["from_address"])
        is_return = bool(body.get("is_return"))
        # EasyPost swaps the two for a return: the parcel travels from the outbound recipient.
        origin, destination = (to_address, from_address) if is_return else (from_address, to_address)
        dims = _dimensions(body["parcel"])
        quotes, failures = quote_all(
            from_zip=str(origin.get("zip") or ""),
            to_zip=str(destination.get("zip") or ""),
            to_country=str(destination.get("country") or "US"),
            weight_oz=weight_oz,
            dims_in=dims,
            has_customs=bool(body.get("customs_info")),
            failing=self.failing_carriers,
        )
        rate_template = shipment["rates"][0]
        rates = []
        for quote in quotes:
            rate = copy.deepcopy(rate_template)
            rate.update(
                id=self.object_id("rate"),
                created_at=stamp(now),
                updated_at=stamp(now),
                mode=self.mode,
                service=quote.service.name,
                carrier=quote.service.carrier,
                rate=f"{quote.amount:.2f}",
                retail_rate=f"{quote.amount * Decimal('1.25'):.2f}",
                list_rate=f"{quote.amount * Decimal('1.10'):.2f}",
                delivery_days=quote.days,
                est_delivery_days=quote.days,
                shipment_id=shipment_id,
                carrier_account_id=self.carrier_accounts[quote.service.carrier],
            )
            rates.append(rate)
        parcel = shipment["parcel"]
        parcel.update(
            id=self.object_id("prcl"),
            created_at=stamp(now),
            updated_at=stamp(now),
            mode=self.mode,
            weight=float(weight_oz),
            length=float(dims[0]) if dims else None,
            width=float(dims[1]) if dims else None,
            height=float(dims[2]) if dims else None,
        )
        options = {**shipment["options"], **(body.get("options") or {})}
        shipment.update(
            id=shipment_id,
            created_at=stamp(now),
            updated_at=stamp(now),
            is_return=is_return,
            mode=self.mode,
            reference=body.get("reference"),
            options=options,
            customs_info=self._customs_info(body.get("customs_info"), now),
            from_address=from_address,
            to_address=to_address,
            buyer_address=copy.deepcopy(to_address),
            return_address=copy.deepcopy(from_address),
            parcel=parcel,
            rates=rates,
            messages=[
                {
                    "carrier": carrier,
                    "carrier_account_id": self.carrier_accounts.get(carrier),
                    "type": "rate_error",
                    "message": message,
                }
                for carrier, message in failures
            ],
            usps_zone=quotes[0].zone if quotes and quotes[0].zone <= 8 else None,
        )
        self.shipments[shipment_id] = shipment
        self.shipment_meta[shipment_id] = ShipmentMeta(now, origin, destination, weight_oz)
        return json_response(201, self.shipment_view(shipment_id))

    def _customs_info(self, given: dict[str, Any] | None, now: datetime) -> dict[str, Any] | None:
        if not given:
            return None
        customs = copy.deepcopy(load_sample("easypost_shipment_create_response.json")["customs_info"])
        item_template = customs["customs_items"][0]
        items = []
        for item in given.get("customs_items") or []:
            entry = copy.deepcopy(item_template)
            entry.update({key: value for key, value in item.items() if key in entry})
            entry.update(id=self.object_id("cstitem"), created_at=stamp(now), updated_at=stamp(now), mode=self.mode)
            entry["weight"] = float(item.get("weight") or 0)
            items.append(entry)
        customs.update({key: value for key, value in given.items() if key in customs and key != "customs_items"})
        customs.update(
            id=given.get("id") or self.object_id("cstinfo"),
            created_at=stamp(now),
            updated_at=stamp(now),
            mode=self.mode,
            customs_items=items,
        )
        return customs

    # Buy -----------------------------------------------------------------------------------

    def _tracking_code(self, carrier: str, service: str) -> str:
        serial = self.new_id()
        if carrier == "UPS":
            body = f"EZ2P47{UPS_SERVICE_CODES.get(service, '03')}{serial % 10**7:07d}"
            return f"1Z{body}{ups_check_digit(body)}"
        if carrier == "FedEx":
            body = f"77{serial % 10**9:09d}"
            return f"{body}{fedex_check_digit(body)}"
        body = f"9434600208303{serial % 10**8:08d}"
        return f"{body}{usps_check_digit(body)}"

    def _label_content(self, shipment: dict[str, Any]) -> LabelContent:
        meta = self.shipment_meta[shipment["id"]]
        rate = shipment["selected_rate"]
        return LabelContent(
            carrier=rate["carrier"],
            service=rate["service"],
            tracking_number=shipment["tracking_code"],
            ship_from=postal_address(meta.origin),
            ship_to=postal_address(meta.destination),
            weight_grams=int(meta.weight_oz * GRAMS_PER_OUNCE),
            reference=str(shipment.get("reference") or ""),
            created=(meta.bought_at or self.now()).date(),
            is_return=bool(shipment["is_return"]),
        )

    def _label_file(self, shipment: dict[str, Any], file_format: str) -> str:
        content = self._label_content(shipment)
        if file_format == "ZPL":
            return self.store_file("postage_label", "zpl", label_zpl(content))
        return self.store_file("postage_label", "pdf", label_pdf(content))

    def _buy_request(self, request: httpx.Request, shipment_id: str) -> httpx.Response:
        shipment = self._shipment(shipment_id)
        if shipment is None:
            return self.not_found()
        if shipment["postage_label"]:
            return self.refuse(422, "SHIPMENT.POSTAGE.EXISTS", "Postage already exists for this shipment.")
        rate_id = json.loads(request.content)["rate"]["id"]
        rate = next((rate for rate in shipment["rates"] if rate["id"] == rate_id), None)
        if rate is None:
            return self.refuse(422, "SHIPMENT.INVALID_PARAMS", f"Rate {rate_id} does not belong to this shipment.")
        meta = self.shipment_meta[shipment_id]
        now = self.now()
        if self.rate_ttl is not None and now - meta.created > self.rate_ttl:
            return self.refuse(
                422, "SHIPMENT.INVALID_PARAMS", f"Rate {rate_id} has expired: create the shipment again to re-rate it."
            )
        meta.bought_at = now
        tracking_code = self._tracking_code(rate["carrier"], rate["service"])
        shipment.update(tracking_code=tracking_code, selected_rate=copy.deepcopy(rate), updated_at=stamp(now))
        label_format = str(shipment["options"].get("label_format") or "PDF").upper()
        label_format = label_format if label_format in ("PDF", "ZPL") else "PDF"
        url = self._label_file(shipment, label_format)
        label = copy.deepcopy(load_sample("easypost_shipment_buy_response.json")["postage_label"])
        label.update(
            id=self.object_id("pl"),
            created_at=stamp(now),
            updated_at=stamp(now),
            label_date=stamp(now),
            label_file_type=f"application/{label_format.lower()}",
            label_url=url,
            label_pdf_url=url if label_format == "PDF" else None,
            label_zpl_url=url if label_format == "ZPL" else None,
        )
        amount = Decimal(rate["rate"])
        shipment.update(
            postage_label=label,
            fees=[
                {"object": "Fee", "type": "PostageFee", "amount": f"{amount:.5f}", "charged": True, "refunded": False}
            ],
        )
        self.start_tracker(
            tracking_code,
            rate["carrier"],
            days=int(rate["delivery_days"] or 3),
            created=now,
            service=rate["service"],
            origin=meta.origin,
            destination=meta.destination,
            shipment_id=shipment_id,
            weight_oz=float(meta.weight_oz),
            is_return=bool(shipment["is_return"]),
        )
        self.purchases.append(shipment_id)
        return json_response(200, self.shipment_view(shipment_id))

    # Label, read, refund -------------------------------------------------------------------

    def _get_shipment(self, request: httpx.Request, shipment_id: str) -> httpx.Response:
        return json_response(200, self.shipment_view(shipment_id)) if self._shipment(shipment_id) else self.not_found()

    def _label_request(self, request: httpx.Request, shipment_id: str) -> httpx.Response:
        shipment = self._shipment(shipment_id)
        if shipment is None:
            return self.not_found()
        if not shipment["postage_label"]:
            return self.refuse(422, "SHIPMENT.POSTAGE.REQUIRED", "This shipment has no postage yet: buy it first.")
        file_format = request.url.params.get("file_format", "").upper()
        if file_format not in ("PDF", "ZPL"):
            return self.refuse(
                422, "SHIPMENT.POSTAGE.INVALID_FORMAT", f"Invalid file_format {file_format!r}: use PDF or ZPL."
            )
        key = f"label_{file_format.lower()}_url"
        if not shipment["postage_label"][key]:
            shipment["postage_label"][key] = self._label_file(shipment, file_format)
            shipment["postage_label"]["updated_at"] = stamp(self.now())
        return json_response(200, self.shipment_view(shipment_id))

    def _refund_request(self, request: httpx.Request, shipment_id: str) -> httpx.Response:
        shipment = self._shipment(shipment_id)
        if shipment is None:
            return self.not_found()
        meta = self.shipment_meta[shipment_id]
        if meta.bought_at is None:
            return self.refuse(422, "SHIPMENT.POSTAGE.REQUIRED", "This shipment has no postage to refund.")
        if shipment["refund_status"]:
            return json_response(200, self.shipment_view(shipment_id))
        carrier = shipment["selected_rate"]["carrier"]
        window = self.refund_windows.get(carrier, timedelta(days=30))
        age = self.now() - meta.bought_at
        if age > window:
            return self.refuse(
                422,
                "SHIPMENT.REFUND.UNAVAILABLE",
                f"Unable to request refund. {carrier} labels can be refunded within {window.days} days of "
                f"purchase; this label was bought {age.days} days ago.",
            )
        if self.tracker_status(self.trackers[shipment["tracking_code"]]) not in ("pre_transit", "unknown"):
            return self.refuse(
                422, "SHIPMENT.REFUND.UNAVAILABLE", "Unable to request refund. The parcel has been shipped."
            )
        meta.refund_requested_at = self.now()
        shipment.update(refund_status="submitted", updated_at=stamp(self.now()))
        return json_response(200, self.shipment_view(shipment_id))
