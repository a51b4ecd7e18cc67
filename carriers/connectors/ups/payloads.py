"""The request bodies the UPS connector sends, built from the product's dataclasses.

UPS's JSON mirrors its old XML: PascalCase keys, every number a string, an element that may
repeat is an object when there is one and an array when there are several. We send arrays
where the spec allows them and read both forms everywhere (`as_list`).
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from carriers.connectors.base import GRAMS_PER_POUND, CarrierError, Customs, PostalAddress, ShipmentRequest

#: UPS service codes and the names the product shows.
SERVICE_NAMES = {
    "01": "Next Day Air",
    "02": "2nd Day Air",
    "03": "Ground",
    "12": "3 Day Select",
    "13": "Next Day Air Saver",
    "14": "Next Day Air Early",
    "59": "2nd Day Air A.M.",
    "07": "Worldwide Express",
    "08": "Worldwide Expedited",
    "11": "Standard",
    "65": "Worldwide Saver",
}
#: UPS caps `transId` at 32 characters and reference values at 35.
TRANS_ID_MAX = 32
REFERENCE_MAX = 35
#: Reference number code "TN" (transaction reference number) marks the purchase key.
KEY_REFERENCE_CODE = "TN"
#: ReasonForExport by the product's customs contents type.
EXPORT_REASONS = {
    "merchandise": "SALE",
    "gift": "GIFT",
    "sample": "SAMPLE",
    "returned_goods": "RETURN",
    "documents": "SALE",
    "other": "SALE",
}


def as_list(value: Any) -> list[Any]:
    """An element UPS sends as one object, an array of them, or not at all, as a list."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return [value]


def money(value: Decimal) -> str:
    """An amount as UPS writes it: a string with two decimals."""
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def key_reference(idempotency_key: str) -> str:
    """The purchase key as a UPS reference value: the key itself if it fits, else a digest of it.

    The same key always gives the same value, so `recover_label` can search for it later.
    """
    if len(idempotency_key) <= REFERENCE_MAX and idempotency_key.isascii():
        return idempotency_key
    return "K" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def trans_id(idempotency_key: str, attempt: int) -> str:
    """`transId` of a ship call: the purchase key and the attempt number, within UPS's 32 characters.

    UPS wants it unique per request; carrying the key lets UPS support find every attempt at
    one purchase in their logs.
    """
    suffix = f"-{attempt}"
    base = idempotency_key if idempotency_key.isascii() else key_reference(idempotency_key)
    if len(base) + len(suffix) > TRANS_ID_MAX:
        base = hashlib.sha256(idempotency_key.encode()).hexdigest()[: TRANS_ID_MAX - len(suffix)]
    return base + suffix


def address(postal: PostalAddress) -> dict[str, Any]:
    """An Address container (street lines, city, state, postal code, country)."""
    lines = [line for line in (postal.street1, postal.street2) if line]
    body: dict[str, Any] = {
        "AddressLine": lines,
        "City": postal.city,
        "StateProvinceCode": postal.state,
        "PostalCode": postal.postal_code,
        "CountryCode": postal.country,
    }
    if postal.residential:
        body["ResidentialAddressIndicator"] = ""
    return body


def party(postal: PostalAddress, *, shipper_number: str = "") -> dict[str, Any]:
    """A Shipper, ShipTo or ShipFrom container."""
    body: dict[str, Any] = {
        "Name": (postal.company or postal.name)[:35],
        "AttentionName": postal.name[:35],
        "Address": address(postal),
    }
    if postal.phone:
        body["Phone"] = {"Number": postal.phone}
    if postal.email:
        body["EMailAddress"] = postal.email
    if shipper_number:
        body["ShipperNumber"] = shipper_number
    return body


def package(request: ShipmentRequest, *, references: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """One Package: weight in pounds, box dimensions in inches (only when all three are known)."""
    parcel = request.parcel
    body: dict[str, Any] = {
        "Description": request.reference[:35],
        "Packaging": {"Code": "02", "Description": "Customer Supplied Package"},
        "PackageWeight": {
            "UnitOfMeasurement": {"Code": "LBS", "Description": "Pounds"},
            "Weight": str(parcel.weight_lb),
        },
    }
    length, width, height = parcel.inches()
    if length > 0 and width > 0 and height > 0:
        body["Dimensions"] = {
            "UnitOfMeasurement": {"Code": "IN", "Description": "Inches"},
            "Length": str(length),
            "Width": str(width),
            "Height": str(height),
        }
    if references:
        body["ReferenceNumber"] = references
    return body


def _shipper_parties(request: ShipmentRequest, account_number: str) -> dict[str, Any]:
    """Shipper, ShipFrom and ShipTo. On a return the merchant (the return location) is the
    shipper who pays, and the customer is the ShipFrom."""
    shipper = request.ship_to if request.is_return else request.ship_from
    return {
        "Shipper": party(shipper, shipper_number=account_number),
        "ShipTo": party(request.ship_to),
        "ShipFrom": party(request.ship_from),
    }


def rate_request(request: ShipmentRequest, *, account_number: str, service_code: str = "") -> dict[str, Any]:
    """A RateRequest: "Shop" (every service) without a service code, "Rate" (that one) with one."""
    shipment: dict[str, Any] = {
        **_shipper_parties(request, account_number),
        "PaymentDetails": {"ShipmentCharge": [{"Type": "01", "BillShipper": {"AccountNumber": account_number}}]},
        "ShipmentRatingOptions": {"NegotiatedRatesIndicator": ""},
        "NumOfPieces": "1",
        "Package": package(request),
    }
    if service_code:
        shipment["Service"] = {"Code": service_code, "Description": SERVICE_NAMES.get(service_code, "")}
    return {
        "RateRequest": {
            "Request": {
                "RequestOption": "Rate" if service_code else "Shop",
                "TransactionReference": {"CustomerContext": request.reference},
            },
            "Shipment": shipment,
        }
    }


def customs_problems(request: ShipmentRequest) -> list[str]:
    """What an international parcel's customs declaration lacks (empty: complete or not needed)."""
    if not is_international(request):
        return []
    customs = request.customs
    if customs is None or not customs.items:
        return ["customs declaration (contents, HS codes, origin and value of each item)"]
    problems = []
    for index, item in enumerate(customs.items, start=1):
        name = item.sku or item.description or f"item {index}"
        missing = [
            label
            for label, present in (
                ("description", item.description),
                ("HS code", item.hs_code),
                ("country of origin", item.origin_country),
                ("customs value", item.value > 0),
                ("quantity", item.quantity > 0),
            )
            if not present
        ]
        if missing:
            problems.append(f"{name}: {', '.join(missing)}")
    return problems


def is_international(request: ShipmentRequest) -> bool:
    """True when the parcel crosses a border (customs forms are needed)."""
    return request.ship_from.country.upper() != request.ship_to.country.upper()


def international_forms(customs: Customs, *, reference: str, today: date) -> dict[str, Any]:
    """InternationalForms with a commercial invoice (form type 01) listing every item."""
    products = []
    for item in customs.items:
        unit_value = item.value / item.quantity
        products.append(
            {
                "Description": item.description[:35],
                "Unit": {
                    "Number": str(item.quantity),
                    "Value": money(unit_value),
                    "UnitOfMeasurement": {"Code": "PCS", "Description": "Pieces"},
                },
                "CommodityCode": item.hs_code.replace(".", ""),
                "PartNumber": item.sku[:10],
                "OriginCountryCode": item.origin_country,
                "ProductWeight": {
                    "UnitOfMeasurement": {"Code": "LBS", "Description": "Pounds"},
                    "Weight": str(
                        (Decimal(item.weight_grams) / GRAMS_PER_POUND).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
                    ),
                },
            }
        )
    return {
        "FormType": "01",
        "InvoiceNumber": reference[:35],
        "InvoiceDate": today.strftime("%Y%m%d"),
        "ReasonForExport": EXPORT_REASONS.get(customs.contents_type, "SALE"),
        "CurrencyCode": customs.items[0].currency,
        "DeclarationStatement": f"I certify that the information on this invoice is true and correct. {customs.signer}",
        "Product": products,
    }


def ship_request(
    request: ShipmentRequest, *, account_number: str, service_code: str, idempotency_key: str, today: date
) -> dict[str, Any]:
    """A ShipmentRequest for one package, carrying our reference and the purchase key as package references."""
    problems = customs_problems(request)
    if problems:
        raise CarrierError(
            "UPS needs customs data for an international label; missing: " + "; ".join(problems) + ".",
            code="customs_missing",
            field="customs",
        )
    references = [
        {"Value": request.reference[:REFERENCE_MAX]},
        {"Code": KEY_REFERENCE_CODE, "Value": key_reference(idempotency_key)},
    ]
    shipment: dict[str, Any] = {
        "Description": _description(request),
        **_shipper_parties(request, account_number),
        "PaymentInformation": {"ShipmentCharge": [{"Type": "01", "BillShipper": {"AccountNumber": account_number}}]},
        "Service": {"Code": service_code, "Description": SERVICE_NAMES.get(service_code, "")},
        "ShipmentRatingOptions": {"NegotiatedRatesIndicator": "X"},
        "Package": package(request, references=references),
    }
    if request.is_return:
        # 9: UPS Print Return Label, the merchant prints it and hands it to the customer.
        shipment["ReturnService"] = {"Code": "9", "Description": "Print Return Label"}
    if request.customs is not None and is_international(request):
        shipment["ShipmentServiceOptions"] = {
            "InternationalForms": international_forms(request.customs, reference=request.reference, today=today)
        }
    label: dict[str, Any]
    if request.label_format == "zpl":
        label = {
            "LabelImageFormat": {"Code": "ZPL", "Description": "ZPL"},
            "LabelStockSize": {"Height": "6", "Width": "4"},
        }
    else:
        # UPS has no PDF label: the GIF is asked for and wrapped into a 4x6 PDF (labels.gif_label_pdf).
        label = {"LabelImageFormat": {"Code": "GIF", "Description": "GIF"}, "HTTPUserAgent": "Mozilla/4.5"}
    return {
        "ShipmentRequest": {
            "Request": {"RequestOption": "nonvalidate", "TransactionReference": {"CustomerContext": request.reference}},
            "Shipment": shipment,
            "LabelSpecification": label,
        }
    }


def _description(request: ShipmentRequest) -> str:
    if request.customs and request.customs.items:
        return ", ".join(item.description for item in request.customs.items)[:50]
    return f"Order shipment {request.reference}"[:50]


def label_recovery_request(tracking_number: str, *, label_format: str, reference: str) -> dict[str, Any]:
    """A LabelRecoveryRequest: the label of a shipment already made, in the format asked for."""
    code = "ZPL" if label_format == "zpl" else "GIF"
    specification: dict[str, Any] = {"LabelImageFormat": {"Code": code}}
    if code == "ZPL":
        specification["LabelStockSize"] = {"Height": "6", "Width": "4"}
    return {
        "LabelRecoveryRequest": {
            "Request": {"TransactionReference": {"CustomerContext": reference}},
            "LabelSpecification": specification,
            "TrackingNumber": tracking_number,
        }
    }


def xav_request(postal: PostalAddress) -> dict[str, Any]:
    """An XAVRequest (street-level validation and classification) for one address."""
    zip5, _, plus4 = postal.postal_code.partition("-")
    key_format: dict[str, Any] = {
        "ConsigneeName": (postal.company or postal.name)[:40],
        "AddressLine": [line for line in (postal.street1, postal.street2) if line],
        "PoliticalDivision2": postal.city,
        "PoliticalDivision1": postal.state,
        "PostcodePrimaryLow": zip5.strip(),
        "CountryCode": postal.country,
    }
    if plus4:
        key_format["PostcodeExtendedLow"] = plus4.strip()
    return {
        "XAVRequest": {
            "Request": {"RequestOption": "3"},
            "MaximumCandidateListSize": "3",
            "AddressKeyFormat": key_format,
        }
    }
