"""What the product sends Shippo: addresses, the parcel, customs and the shipment, in Shippo's terms.

Shippo takes amounts and dimensions as strings with their units beside them; the product's
grams and centimetres go out as ounces and inches (the units the US carriers rate in, so no
rounding happens on Shippo's side). Customs go inline in the shipment, items included.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from carriers.connectors.base import Customs, Parcel, PostalAddress, ShipmentRequest

#: The product's label formats as Shippo's `label_file_type`.
LABEL_FILE_TYPES = {"pdf": "PDF_4x6", "zpl": "ZPLII"}
#: The product's customs contents types as Shippo's enum.
CONTENTS_TYPES = {
    "merchandise": "MERCHANDISE",
    "gift": "GIFT",
    "documents": "DOCUMENTS",
    "returned_goods": "RETURN_MERCHANDISE",
    "sample": "SAMPLE",
    "other": "OTHER",
}
#: Carrier names as the product shows them -> Shippo's carrier tokens (the /tracks/ path).
CARRIER_TOKENS = {"usps": "usps", "ups": "ups", "fedex": "fedex", "dhl express": "dhl_express", "shippo": "shippo"}


def carrier_token(carrier: str) -> str:
    """Shippo's token for a carrier name ("USPS" -> "usps", "DHL Express" -> "dhl_express")."""
    name = carrier.strip().lower()
    return CARRIER_TOKENS.get(name, name.replace(" ", "_"))


def address_payload(address: PostalAddress) -> dict[str, Any]:
    """An inline Shippo address."""
    payload: dict[str, Any] = {
        "name": address.name,
        "company": address.company,
        "street1": address.street1,
        "street2": address.street2,
        "city": address.city,
        "state": address.state,
        "zip": address.postal_code,
        "country": address.country,
        "phone": address.phone,
        "email": address.email,
    }
    if address.residential is not None:
        payload["is_residential"] = address.residential
    return payload


def parcel_payload(parcel: Parcel) -> dict[str, str]:
    """One box in inches and ounces, as strings."""
    length, width, height = parcel.inches()
    return {
        "length": str(length),
        "width": str(width),
        "height": str(height),
        "distance_unit": "in",
        "weight": str(parcel.weight_oz),
        "mass_unit": "oz",
    }


def customs_payload(customs: Customs) -> dict[str, Any]:
    """An inline customs declaration with its items (net weight in grams, value per line)."""
    contents_type = CONTENTS_TYPES.get(customs.contents_type, "OTHER")
    payload: dict[str, Any] = {
        "contents_type": contents_type,
        "non_delivery_option": "ABANDON" if customs.non_delivery == "abandon" else "RETURN",
        "certify": True,
        "certify_signer": customs.signer,
        "incoterm": "DDU",
        "items": [
            {
                "description": item.description,
                "quantity": item.quantity,
                "net_weight": str(item.weight_grams),
                "mass_unit": "g",
                "value_amount": str(item.value.quantize(Decimal("0.01"))),
                "value_currency": item.currency,
                "origin_country": item.origin_country,
                "tariff_number": item.hs_code,
                "sku_code": item.sku,
            }
            for item in customs.items
        ],
    }
    if contents_type == "OTHER":
        # Shippo requires an explanation for OTHER; the item descriptions are the honest one.
        payload["contents_explanation"] = ", ".join(item.description for item in customs.items)[:200]
    return payload


def shipment_payload(request: ShipmentRequest) -> dict[str, Any]:
    """POST /shipments/ for one parcel, rated synchronously.

    A return is sent with its outbound addresses and `extra.is_return`: Shippo swaps them itself
    ("do not swap the addresses yourself", its returns guide). The product's request names the
    direction the parcel travels, so for a return its ship_to (our warehouse) is Shippo's from.
    """
    origin, destination = request.ship_from, request.ship_to
    if request.is_return:
        origin, destination = destination, origin
    extra: dict[str, Any] = {"reference_1": request.reference[:50]}
    if request.is_return:
        extra["is_return"] = True
    payload: dict[str, Any] = {
        "address_from": address_payload(origin),
        "address_to": address_payload(destination),
        "parcels": [parcel_payload(request.parcel)],
        "extra": extra,
        "metadata": request.reference[:100],
        "async": False,
    }
    if request.customs is not None:
        payload["customs_declaration"] = customs_payload(request.customs)
    return payload
