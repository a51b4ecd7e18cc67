"""The product's requests as EasyPost bodies: addresses, parcels (ounces, inches), customs, shipments.

Numbers go as strings, as in EasyPost's own request example ("20.2", "65.9"); weights in ounces
and dimensions in inches, rounded up to the tenth so a parcel is never declared lighter or
smaller than it is.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from carriers.connectors.base import GRAMS_PER_OUNCE, Customs, Parcel, PostalAddress, ShipmentRequest

TENTH = Decimal("0.1")


def _ounces(grams: int) -> Decimal:
    return max(TENTH, (Decimal(grams) / GRAMS_PER_OUNCE).quantize(TENTH, rounding=ROUND_CEILING))


def address_payload(address: PostalAddress) -> dict[str, Any]:
    """An Address as EasyPost takes it (empty fields left out, `zip` for the postal code)."""
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
    payload = {key: value for key, value in payload.items() if value}
    if address.residential is not None:
        payload["residential"] = address.residential
    return payload


def parcel_payload(parcel: Parcel) -> dict[str, str]:
    """A Parcel in ounces and inches, as strings; dimensions only when all three are known."""
    payload = {"weight": str(parcel.weight_oz)}
    length, width, height = parcel.inches()
    if length > 0 and width > 0 and height > 0:
        payload.update(length=str(length), width=str(width), height=str(height))
    return payload


def customs_payload(customs: Customs) -> dict[str, Any]:
    """A CustomsInfo: each line's total value and total weight (ounces), HS code and origin."""
    return {
        "contents_type": customs.contents_type,
        "customs_certify": True,
        "customs_signer": customs.signer,
        "non_delivery_option": customs.non_delivery,
        "restriction_type": "none",
        # Exemption from electronic export filing, which applies below $2,500 a line.
        "eel_pfc": "NOEEI 30.37(a)",
        "customs_items": [
            {
                "description": item.description,
                "quantity": item.quantity,
                "value": str(item.value),
                "currency": item.currency,
                "weight": str(_ounces(item.weight_grams)),
                "hs_tariff_number": item.hs_code,
                "origin_country": item.origin_country,
                "code": item.sku,
            }
            for item in customs.items
        ],
    }


def shipment_payload(request: ShipmentRequest) -> dict[str, Any]:
    """The body of POST /v2/shipments.

    A return (`is_return`) is sent with the outbound addresses, as EasyPost asks: EasyPost swaps
    them on the label. The product's request names the physical direction (the customer ships
    from, the return location receives), so the two are swapped back here.
    """
    to_address, from_address = request.ship_to, request.ship_from
    if request.is_return:
        to_address, from_address = from_address, to_address
    shipment: dict[str, Any] = {
        "to_address": address_payload(to_address),
        "from_address": address_payload(from_address),
        "parcel": parcel_payload(request.parcel),
        "reference": request.reference,
        "is_return": request.is_return,
        "options": {"label_format": request.label_format.upper()},
    }
    if request.customs is not None:
        shipment["customs_info"] = customs_payload(request.customs)
    return {"shipment": shipment}
