"""Shipments and their rates: `POST /shipments/` (synchronous, `async: false`), `GET /shipments/<id>`,
`GET /rates/<id>`, in the recorded shape (`shippo_shipment_create_response_recorded.json`).

A carrier that cannot rate the parcel says so in the shipment's `messages[]` while the others'
rates come back, as the recording shows for DHL Express inside the US. International parcels
need a customs declaration (inline, with its items); without one every carrier declines.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import httpx

from carriers.sandbox.shippo.addresses import ShippoAddresses
from carriers.sandbox.shippo.core import OWNER, Invalid, load_sample, shippo_time
from carriers.sandbox.shippo.pricing import (
    DOMESTIC,
    INCHES_PER_UNIT,
    INTERNATIONAL,
    POUNDS_PER_UNIT,
    Service,
    attributes,
    billable_pounds,
    inches,
    pounds,
    zone_between,
)
from core.sandbox import json_response

DHL_DOMESTIC = {
    "source": "DHLExpress",
    "code": "",
    "text": "Shippo's DHL Express master account doesn't support shipments to inside of the US",
}
CUSTOMS_REQUIRED = ("contents_type", "non_delivery_option", "certify_signer", "items")
Dimensions = tuple[Decimal, Decimal, Decimal]
ITEM_REQUIRED = (
    "description",
    "quantity",
    "net_weight",
    "mass_unit",
    "value_amount",
    "value_currency",
    "origin_country",
)


@cache
def shipment_template() -> dict[str, Any]:
    """The recorded shipment answer the sandbox's shipments are built from."""
    template: dict[str, Any] = load_sample("shippo_shipment_create_response_recorded.json")
    return template


def _number(value: Any, field: str, errors: dict[str, list[str]], *, positive: bool = False) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors[field] = ["A valid number is required."]
        return Decimal(0)
    if not number.is_finite() or number < 0 or (positive and number == 0):
        errors[field] = ["Ensure this value is greater than 0." if positive else "Ensure this value is not negative."]
    return number


class ShippoShipments(ShippoAddresses):
    """Shipments, parcels, customs declarations and rates."""

    def setup(self) -> None:
        super().setup()
        self.shipments: dict[str, dict[str, Any]] = {}
        self.rates: dict[str, dict[str, Any]] = {}
        self.route("POST", r"/shipments/?", "shipments.post", self.guarded(self._create_shipment))
        self.route("GET", r"/shipments/(?P<object_id>[0-9a-f]{32})/?", "shipments.get", self._get_shipment)
        self.route("GET", r"/rates/(?P<object_id>[0-9a-f]{32})/?", "rates.get", self._get_rate)

    # Parsing the request --------------------------------------------------------------------

    def _parcel(self, given: Any, errors: dict[str, list[str]]) -> tuple[dict[str, Any], Decimal, Dimensions]:
        """A parcel object, its weight in pounds and its dimensions in inches (problems go to `errors`)."""
        nothing: Dimensions = (Decimal(0), Decimal(0), Decimal(0))
        if not isinstance(given, dict):
            errors["non_field_errors"] = ["Parcel with supplied object_id not found."]
            return {}, Decimal(0), nothing
        for field in ("length", "width", "height", "distance_unit", "weight", "mass_unit"):
            if field not in given:
                errors[field] = ["This field is required."]
        for field, choices in (("mass_unit", POUNDS_PER_UNIT), ("distance_unit", INCHES_PER_UNIT)):
            if field in given and given[field] not in choices:
                errors[field] = [f'"{given[field]}" is not a valid choice.']
        weight = _number(given.get("weight", 0), "weight", errors, positive=True)
        dims = tuple(_number(given.get(field, 0), field, errors) for field in ("length", "width", "height"))
        if errors:
            return {}, Decimal(0), nothing
        moment = shippo_time(self.now())
        parcel = copy.deepcopy(shipment_template()["parcels"][0])
        parcel.update(
            object_created=moment,
            object_updated=moment,
            object_id=self.hex_id(),
            object_owner=OWNER,
            length=f"{dims[0]:.4f}",
            width=f"{dims[1]:.4f}",
            height=f"{dims[2]:.4f}",
            distance_unit=given["distance_unit"],
            weight=f"{weight:.4f}",
            mass_unit=given["mass_unit"],
            metadata=str(given.get("metadata") or ""),
        )
        unit = given["distance_unit"]
        in_inches = (inches(str(dims[0]), unit), inches(str(dims[1]), unit), inches(str(dims[2]), unit))
        return parcel, pounds(str(weight), given["mass_unit"]), in_inches

    def _customs(self, given: Any) -> dict[str, Any]:
        if isinstance(given, str):
            raise Invalid({"customs_declaration": [f"CustomsDeclaration with supplied object_id {given} not found."]})
        if not isinstance(given, dict):
            raise Invalid({"customs_declaration": ["Invalid data. Expected a dictionary."]})
        errors: dict[str, Any] = {
            field: ["This field is required."] for field in CUSTOMS_REQUIRED if not given.get(field)
        }
        if not given.get("certify"):
            errors["certify"] = ["The declaration must be certified (certify: true)."]
        item_errors = [
            {field: ["This field is required."] for field in ITEM_REQUIRED if not str(item.get(field) or "").strip()}
            if isinstance(item, dict)
            else {"non_field_errors": ["Invalid data. Expected a dictionary."]}
            for item in given.get("items") or []
        ]
        if any(item_errors):
            errors["items"] = item_errors
        if errors:
            raise Invalid({"customs_declaration": errors})
        moment = shippo_time(self.now())
        items = [{"object_id": self.hex_id(), "object_owner": OWNER, **item, "test": True} for item in given["items"]]
        return {
            "object_created": moment,
            "object_updated": moment,
            "object_id": self.hex_id(),
            "object_owner": OWNER,
            **{key: value for key, value in given.items() if key != "items"},
            "items": items,
            "test": True,
        }

    # Rating ---------------------------------------------------------------------------------

    def _rate(self, shipment_id: str, service: Service, billable: int, zone: int | None) -> dict[str, Any]:
        rate = copy.deepcopy(shipment_template()["rates"][0])
        amount = f"{service.price(billable, zone or 8):.2f}"
        rate.update(
            object_created=shippo_time(self.now()),
            object_id=self.hex_id(),
            object_owner=OWNER,
            shipment=shipment_id,
            amount=amount,
            amount_local=amount,
            provider=service.provider,
            provider_image_75=f"https://shippo-static.s3.amazonaws.com/providers/75/{service.provider}.png",
            provider_image_200=f"https://shippo-static.s3.amazonaws.com/providers/200/{service.provider}.png",
            servicelevel={
                "name": service.name,
                "token": service.token,
                "terms": "",
                "extended_token": service.token,
                "parent_servicelevel": None,
            },
            estimated_days=service.estimated_days(zone or 8),
            duration_terms=service.terms,
            carrier_account=self.carrier_accounts[service.carrier]["object_id"],
            zone=str(zone) if zone else None,
        )
        return rate

    def _rates_for(
        self, shipment_id: str, origin: dict[str, Any], destination: dict[str, Any], billable: int, customs: bool
    ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        def declined(text: str) -> list[dict[str, str]]:
            return [{"source": name, "code": "", "text": text} for name in ("USPS", "UPS")]

        if origin["country"] != "US":
            return [], declined("This account ships from the United States only.")
        zone: int | None = None
        services: tuple[Service, ...]
        if destination["country"] == "US":
            zone = zone_between(origin["zip"], destination["zip"])
            if zone is None:
                unknown = origin["zip"] if zone_between(origin["zip"], origin["zip"]) is None else destination["zip"]
                return [], declined(f"The ZIP code {unknown} is not valid.")
            services, messages = DOMESTIC, [dict(DHL_DOMESTIC)]
        elif not customs:
            return [], declined("A customs declaration is required for international shipments.")
        else:
            services, messages = INTERNATIONAL, []
        rates = [self._rate(shipment_id, service, billable, zone) for service in services]
        badges = attributes([Decimal(rate["amount"]) for rate in rates], [rate["estimated_days"] for rate in rates])
        for rate, badge in zip(rates, badges, strict=True):
            rate["attributes"] = badge
        return rates, messages

    # Handlers -------------------------------------------------------------------------------

    def _create_shipment(self, request: httpx.Request) -> httpx.Response:
        body = self.body(request)
        errors: dict[str, Any] = {}
        addresses: dict[str, dict[str, Any]] = {}
        for field in ("address_from", "address_to"):
            try:
                addresses[field] = self.address_object(body.get(field), field)
            except Invalid as invalid:
                errors.update(invalid.body)
        parcels_given = body.get("parcels")
        if not isinstance(parcels_given, list) or not parcels_given:
            errors["parcels"] = ["This field is required."]
            parcels_given = []
        parsed = []
        parcel_errors: list[dict[str, list[str]]] = []
        for given in parcels_given:
            problems: dict[str, list[str]] = {}
            parsed.append(self._parcel(given, problems))
            parcel_errors.append(problems)
        if any(parcel_errors):
            errors["parcels"] = parcel_errors
        customs = None
        if body.get("customs_declaration"):
            try:
                customs = self._customs(body["customs_declaration"])
            except Invalid as invalid:
                errors.update(invalid.body)
        if errors:
            raise Invalid(errors)
        shipment_id = self.hex_id()
        billable = sum(billable_pounds(weight, dims) for _, weight, dims in parsed)
        origin, destination = addresses["address_from"], addresses["address_to"]
        rates, messages = self._rates_for(shipment_id, origin, destination, billable, customs is not None)
        moment = shippo_time(self.now())
        shipment = copy.deepcopy(shipment_template())
        shipment.update(
            carrier_accounts=list(body.get("carrier_accounts") or []),
            object_created=moment,
            object_updated=moment,
            object_id=shipment_id,
            object_owner=OWNER,
            status="SUCCESS",
            address_from=origin,
            address_to=destination,
            parcels=[parcel for parcel, _, _ in parsed],
            shipment_date=str(body.get("shipment_date") or moment),
            address_return=origin,
            customs_declaration=customs,
            extra=dict(body.get("extra") or {}),
            rates=rates,
            messages=messages,
            metadata=str(body.get("metadata") or ""),
        )
        self.shipments[shipment_id] = shipment
        self.rates.update((rate["object_id"], rate) for rate in rates)
        return json_response(201, shipment)

    def _get_shipment(self, request: httpx.Request, object_id: str) -> httpx.Response:
        shipment = self.shipments.get(object_id)
        return json_response(200, shipment) if shipment else self.not_found()

    def _get_rate(self, request: httpx.Request, object_id: str) -> httpx.Response:
        rate = self.rates.get(object_id)
        return json_response(200, rate) if rate else self.not_found()
