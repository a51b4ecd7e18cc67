"""Rating, shipping and label recovery of the UPS sandbox, answered on the published samples.

Error codes: 111600 and its message are UPS's published rate error (a bill-shipper account that
is not the caller's); the other codes are the sandbox's own, in UPS's error shape.
"""

from __future__ import annotations

import base64
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from carriers.builtin import ups_check_digit
from carriers.connectors.base import GRAMS_PER_POUND, PostalAddress
from carriers.connectors.ups.payloads import SERVICE_NAMES, as_list
from carriers.documents import LabelContent
from carriers.sandbox.ups.labels import gif_label, zpl_label
from carriers.sandbox.ups.pricing import (
    KG_PER_LB,
    Priced,
    RouteUnavailable,
    add_business_days,
    billable_pounds,
    price,
    services_for,
)
from carriers.sandbox.ups.samples import load_sample
from carriers.sandbox.ups.tracking import PackageRecord, ShipmentRecord
from core.sandbox import json_response

if TYPE_CHECKING:
    from carriers.sandbox.ups.app import UpsSandbox

CENT = Decimal("0.01")
LABEL_FORMATS = {"GIF", "ZPL"}


def _error(code: str, message: str, status: int = 400) -> httpx.Response:
    return json_response(status, {"response": {"errors": [{"code": code, "message": message}]}})


def _money(amount: Decimal) -> dict[str, str]:
    return {"CurrencyCode": "USD", "MonetaryValue": str(amount.quantize(CENT))}


def address_of(party: dict[str, Any]) -> PostalAddress:
    """A Shipper/ShipTo/ShipFrom container as the product's address."""
    address = party["Address"]
    lines = [str(line) for line in as_list(address.get("AddressLine"))]
    return PostalAddress(
        name=str(party.get("AttentionName") or party.get("Name") or ""),
        company=str(party.get("Name") or "") if party.get("Name") != party.get("AttentionName") else "",
        street1=lines[0] if lines else "",
        street2=lines[1] if len(lines) > 1 else "",
        city=str(address.get("City") or ""),
        state=str(address.get("StateProvinceCode") or ""),
        postal_code=str(address.get("PostalCode") or ""),
        country=str(address["CountryCode"]).upper(),
    )


def _paying_account(shipment: dict[str, Any], payment_key: str) -> str:
    charges = as_list((shipment.get(payment_key) or {}).get("ShipmentCharge"))
    return str(((charges[0] if charges else {}).get("BillShipper") or {}).get("AccountNumber") or "").strip()


def _account_refused(sandbox: UpsSandbox, shipment: dict[str, Any], payment_key: str) -> httpx.Response | None:
    """The published 111600 error when the bill-shipper account is not one the credentials may use."""
    if _paying_account(shipment, payment_key) in sandbox.accounts:
        return None
    return json_response(400, load_sample("ups_rate_error_response.json"))


def _route(shipment: dict[str, Any]) -> tuple[tuple[str, str], tuple[str, str]]:
    origin = (shipment.get("ShipFrom") or shipment["Shipper"])["Address"]
    destination = shipment["ShipTo"]["Address"]
    return (
        (str(origin.get("PostalCode") or ""), str(origin["CountryCode"]).upper()),
        (str(destination.get("PostalCode") or ""), str(destination["CountryCode"]).upper()),
    )


def _negotiated(sandbox: UpsSandbox, shipment: dict[str, Any], total: Decimal) -> Decimal | None:
    asked = "NegotiatedRatesIndicator" in (shipment.get("ShipmentRatingOptions") or {})
    if not asked or sandbox.negotiated_discount is None:
        return None
    return (total * (1 - sandbox.negotiated_discount)).quantize(CENT)


def _rated_shipment(priced: Priced, negotiated: Decimal | None) -> dict[str, Any]:
    """One RatedShipment, on the published one: charges, billing weight, business days in transit."""
    rated: dict[str, Any] = load_sample("ups_rate_response.json")["RateResponse"]["RatedShipment"]
    rated["Service"] = {"Code": priced.service_code, "Description": ""}
    rated["BillingWeight"]["Weight"] = f"{priced.billable_lb}.0"
    rated["TransportationCharges"] = _money(priced.total)
    rated["BaseServiceCharge"] = _money(priced.base)
    rated["TotalCharges"] = _money(priced.total)
    rated["NegotiatedRateCharges"] = {"TotalCharge": _money(negotiated)} if negotiated is not None else None
    rated["GuaranteedDelivery"] = {"BusinessDaysInTransit": str(priced.business_days), "DeliveryByTime": ""}
    package = rated["RatedPackage"]
    package.update(
        TransportationCharges=_money(priced.total),
        BaseServiceCharge=_money(priced.base),
        TotalCharges=_money(priced.total),
    )
    package["ItemizedCharges"] = [{"Code": "375", "CurrencyCode": "USD", "MonetaryValue": str(priced.fuel)}]
    package["Weight"] = package["BillingWeight"]["Weight"] = f"{priced.billable_lb}.0"
    return rated


def rate(sandbox: UpsSandbox, body: dict[str, Any], *, shop: bool) -> httpx.Response:
    """A Rate (one service) or Shop (every service) answer; RatedShipment is an object when there is one."""
    shipment = body["Shipment"]
    refused = _account_refused(sandbox, shipment, "PaymentDetails")
    if refused is not None:
        return refused
    billable = sum(billable_pounds(package) for package in as_list(shipment["Package"]))
    origin, destination = _route(shipment)
    try:
        codes = services_for(origin[1], destination[1]) if shop else [str(shipment["Service"]["Code"])]
    except RouteUnavailable as exc:
        return _error("111210", f"The requested service is unavailable between the selected locations. ({exc})")
    priced = []
    for code in codes:
        try:
            priced.append(price(code, billable_lb=billable, origin=origin, destination=destination))
        except RouteUnavailable as exc:
            if not shop:
                return _error("111210", f"The requested service is unavailable between the selected locations. ({exc})")
    if not priced:
        return _error("111210", "The requested service is unavailable between the selected locations.")
    answer = load_sample("ups_rate_response.json")
    response = answer["RateResponse"]
    context = ((body.get("Request") or {}).get("TransactionReference") or {}).get("CustomerContext", "")
    response["Response"]["TransactionReference"] = {"CustomerContext": context}
    rated = [_rated_shipment(each, _negotiated(sandbox, shipment, each.total)) for each in priced]
    response["RatedShipment"] = rated[0] if len(rated) == 1 else rated
    return json_response(200, answer)


def _tracking_number(shipper_number: str, service_code: str, serial: int) -> str:
    """1Z + the paying shipper number + service code + 7-digit serial + UPS's check digit."""
    body = f"{shipper_number[:6]:0>6}{service_code[-2:]:0>2}{serial % 10**7:07d}".upper()
    return f"1Z{body}{ups_check_digit(body)}"


def _weight_grams(package: dict[str, Any]) -> int:
    weight = package["PackageWeight"]
    value = Decimal(str(weight["Weight"]))
    unit = str((weight.get("UnitOfMeasurement") or {}).get("Code") or "LBS").upper()
    pounds = value / KG_PER_LB if unit == "KGS" else value
    return int((pounds * GRAMS_PER_POUND).to_integral_value())


def label_image(content: LabelContent, image_format: str) -> dict[str, Any]:
    """A ShippingLabel / LabelImage container: the file base64-encoded inline, as UPS sends it."""
    data = zpl_label(content) if image_format == "ZPL" else gif_label(content)
    image: dict[str, Any] = {
        "ImageFormat": {"Code": image_format, "Description": image_format},
        "GraphicImage": base64.b64encode(data).decode(),
    }
    if image_format == "GIF":
        page = f'<html><body><img src="label{content.tracking_number}.gif"></body></html>'
        image["HTMLImage"] = base64.b64encode(page.encode()).decode()
    return image


def _label_format(body: dict[str, Any]) -> str:
    specification = body.get("LabelSpecification") or {}
    return str((specification.get("LabelImageFormat") or {}).get("Code") or "GIF").upper()


def ship(sandbox: UpsSandbox, body: dict[str, Any]) -> httpx.Response:
    """Make the shipment: a 1Z tracking number and a label per package, the charges, a record to track and void."""
    shipment = body["Shipment"]
    refused = _account_refused(sandbox, shipment, "PaymentInformation")
    if refused is not None:
        return refused
    image_format = _label_format(body)
    if image_format not in LABEL_FORMATS:
        return _error("120527", f"The sandbox makes GIF and ZPL labels, not {image_format}.")
    service_code = str(shipment["Service"]["Code"])
    packages = as_list(shipment["Package"])
    origin, destination = _route(shipment)
    forms = as_list(((shipment.get("ShipmentServiceOptions") or {}).get("InternationalForms") or {}).get("Product"))
    if origin[1] != destination[1] and not forms:
        return _error("120416", "International forms are required: add InternationalForms with a Product per item.")
    try:
        priced = price(
            service_code,
            billable_lb=sum(billable_pounds(package) for package in packages),
            origin=origin,
            destination=destination,
        )
    except RouteUnavailable as exc:
        return _error("111210", f"The requested service is unavailable between the selected locations. ({exc})")
    today = sandbox.today()
    context = str(((body.get("Request") or {}).get("TransactionReference") or {}).get("CustomerContext") or "")
    ship_from = address_of(shipment.get("ShipFrom") or shipment["Shipper"])
    ship_to = address_of(shipment["ShipTo"])
    shipper_number = _paying_account(shipment, "PaymentInformation")
    records = []
    for index, package in enumerate(packages, start=1):
        references = [str(entry.get("Value") or "") for entry in as_list(package.get("ReferenceNumber"))]
        content = LabelContent(
            carrier="UPS",
            service=SERVICE_NAMES.get(service_code, service_code),
            tracking_number=_tracking_number(shipper_number, service_code, sandbox.next_serial()),
            ship_from=ship_from,
            ship_to=ship_to,
            weight_grams=_weight_grams(package),
            reference=(references[0] if references else context)[:35],
            box=f"{index} of {len(packages)}",
            created=today,
            is_return="ReturnService" in shipment,
        )
        records.append(PackageRecord(content.tracking_number, content, [ref for ref in references if ref]))
    record = ShipmentRecord(
        shipment_id=records[0].tracking_number,
        service_code=service_code,
        created_at=sandbox.now(),
        scheduled=add_business_days(today, priced.business_days),
        packages=records,
        total=priced.total,
        negotiated=_negotiated(sandbox, shipment, priced.total),
        customer_context=context,
    )
    sandbox.shipments[record.shipment_id] = record
    return json_response(200, _ship_answer(record, priced, image_format))


def _ship_answer(record: ShipmentRecord, priced: Priced, image_format: str) -> dict[str, Any]:
    answer = load_sample("ups_ship_response.json")
    response = answer["ShipmentResponse"]
    response["Response"]["TransactionReference"] = {
        "CustomerContext": record.customer_context,
        "TransactionIdentifier": secrets.token_urlsafe(16),
    }
    results = response["ShipmentResults"]
    template = results["PackageResults"]
    results["ShipmentCharges"]["TransportationCharges"] = _money(priced.total)
    results["ShipmentCharges"]["TotalCharges"] = _money(priced.total)
    if record.negotiated is None:
        del results["NegotiatedRateCharges"]
    else:
        results["NegotiatedRateCharges"]["TotalCharge"] = _money(record.negotiated)
    results["BillingWeight"]["Weight"] = f"{priced.billable_lb}.0"
    results["ShipmentIdentificationNumber"] = record.shipment_id
    package_results = []
    for package in record.packages:
        entry = dict(template)
        entry["TrackingNumber"] = package.tracking_number
        entry["BaseServiceCharge"] = _money(priced.base)
        entry["ShippingLabel"] = label_image(package.content, image_format)
        entry["ItemizedCharges"] = [{"Code": "375", "CurrencyCode": "USD", "MonetaryValue": str(priced.fuel)}]
        package_results.append(entry)
    results["PackageResults"] = package_results[0] if len(package_results) == 1 else package_results
    return answer


def recover(sandbox: UpsSandbox, body: dict[str, Any]) -> httpx.Response:
    """Label Recovery: the label of a package already shipped, in the format asked for."""
    tracking_number = str(body.get("TrackingNumber") or "")
    image_format = _label_format(body)
    try:
        record, index = sandbox.find_package(tracking_number)
    except LookupError:
        return _error("190202", f"No shipment found for tracking number {tracking_number}.")
    if image_format not in LABEL_FORMATS:
        return _error("120527", f"The sandbox makes GIF and ZPL labels, not {image_format}.")
    image = label_image(record.packages[index].content, image_format)
    image["LabelImageFormat"] = image.pop("ImageFormat")
    context = ((body.get("Request") or {}).get("TransactionReference") or {}).get("CustomerContext", "")
    return json_response(
        200,
        {
            "LabelRecoveryResponse": {
                "Response": {
                    "ResponseStatus": {"Code": "1", "Description": "Success"},
                    "TransactionReference": {"CustomerContext": context},
                },
                "ShipmentIdentificationNumber": record.shipment_id,
                "LabelResults": {"TrackingNumber": tracking_number, "LabelImage": image},
            }
        },
    )
