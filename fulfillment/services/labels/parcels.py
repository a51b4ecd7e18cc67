"""A box as the carriers see it: addresses, the parcel, and customs data for international boxes."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from carriers.connectors.base import Customs, CustomsItem, Parcel, PostalAddress, ShipmentRequest
from core.errors import ValidationFailed
from fulfillment.models import Package, Shipment
from fulfillment.scanning import ScanMatcher
from inventory.models import SKU, Location
from orders.models import Order


def location_address(location: Location) -> PostalAddress:
    """Where a location's parcels leave from."""
    return PostalAddress(
        name=location.name,
        street1=location.address_line1,
        city=location.city,
        state=location.region,
        postal_code=location.postal_code,
        country=location.country or "US",
    )


def order_address(order: Order) -> PostalAddress:
    """The order's ship-to address."""
    return PostalAddress(
        name=order.customer_name,
        street1=order.ship_line1,
        street2=order.ship_line2,
        city=order.ship_city,
        state=order.ship_region,
        postal_code=order.ship_postal_code,
        country=order.ship_country or "US",
        phone=order.customer_phone,
        email=order.customer_email,
    )


def parcel_of(package: Package) -> Parcel:
    return Parcel(
        weight_grams=package.weight_grams,
        length_cm=package.length_cm,
        width_cm=package.width_cm,
        height_cm=package.height_cm,
    )


def is_international(shipment: Shipment) -> bool:
    return (shipment.order.ship_country or "US").upper() != (shipment.location.country or "US").upper()


def box_contents(shipment: Shipment, package: Package) -> Counter[SKU]:
    """Units per SKU in one box, from what was scanned into it (barcode or SKU code)."""
    skus = {line.sku.pk: line.sku for line in shipment.lines.select_related("sku")}
    matcher = ScanMatcher((sku, sku.pk) for sku in sorted(skus.values(), key=lambda s: s.code))
    found = matcher.partition(package.scanned or [])
    return Counter(skus[sku_id] for _, sku_id in found.matched)


def box_customs(shipment: Shipment, package: Package) -> Customs:
    """The customs declaration of an international box; refuses, naming each gap, when data is missing."""
    contents = box_contents(shipment, package)
    missing = []
    for sku in sorted(contents, key=lambda s: s.code):
        gaps = [
            label
            for label, value in (
                ("HS code", sku.hs_code),
                ("country of origin", sku.origin_country),
                ("customs value", sku.customs_value if sku.customs_value is not None else (sku.price or None)),
            )
            if not value
        ]
        if gaps:
            missing.append(f"{sku.code}: {', '.join(gaps)}")
    if not contents:
        missing.append(f"box {package.box_number}: nothing scanned into it")
    if missing:
        raise ValidationFailed(
            "Customs data is missing for this international parcel, so no label was bought. "
            "Add it on the SKU page: " + "; ".join(missing) + ".",
            field="customs",
            details={"missing": missing},
        )
    units = sum(contents.values()) or 1
    items = tuple(
        CustomsItem(
            description=(sku.customs_description or sku.name)[:60],
            quantity=quantity,
            value=(sku.customs_value if sku.customs_value is not None else sku.price) * quantity,
            weight_grams=max(sku.weight_grams * quantity, package.weight_grams * quantity // units, 1),
            hs_code=sku.hs_code,
            origin_country=sku.origin_country,
            sku=sku.code,
            currency=sku.currency or "USD",
        )
        for sku, quantity in sorted(contents.items(), key=lambda item: item[0].code)
    )
    return Customs(contents_type="merchandise", items=items, signer=shipment.location.name)


def box_request(shipment: Shipment, package: Package, *, label_format: str, is_return: bool = False) -> ShipmentRequest:
    """What a carrier needs to rate or label one box (a return label swaps the two addresses)."""
    ship_from, ship_to = location_address(shipment.location), order_address(shipment.order)
    if is_return:
        ship_from, ship_to = ship_to, ship_from
    customs = box_customs(shipment, package) if is_international(shipment) else None
    suffix = "-R" if is_return else ""
    return ShipmentRequest(
        reference=f"{shipment.number}-{package.box_number}{suffix}",
        ship_from=ship_from,
        ship_to=ship_to,
        parcel=parcel_of(package),
        customs=customs,
        is_return=is_return,
        label_format=label_format,
    )


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))
