"""A location run by two active partners: the partner whose terms routing priced is the one that gets the work."""

from __future__ import annotations

from typing import Any

from fulfillment.models import LocationCostTerms
from inventory.models import LocationKind
from partners.models import FulfillmentOrderOutbox, PartnerKind
from partners.threepl.outbox import connected_partner
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.partners import PartnerFactory, dropship_supplier, equal_handling, po_of


def web() -> Any:
    return ChannelFactory(code="web")


def test_the_po_goes_to_the_supplier_whose_terms_routing_priced(db: Any) -> None:
    equal_handling()
    tee: Any = SKUFactory(code="TEE-BLK-M", weight_grams=300)
    zeta, location = dropship_supplier("zeta", name="Zeta Supply")  # the lower id
    alpha: Any = PartnerFactory(code="alpha", name="Alpha Supply", kind=PartnerKind.DROPSHIP, per_order_fee="1.50")
    alpha.locations.add(location)
    stocked(location, tee, 5)

    order = place_order(web(), [("TEE-BLK-M", 1)]).order

    assert LocationCostTerms.objects.get(location=location).label == "Alpha Supply terms"
    assert po_of(order).partner == alpha and zeta.pk < alpha.pk


def test_a_3pl_location_orders_from_the_connected_partner_first_by_name(db: Any) -> None:
    location: Any = LocationFactory(code="3pl-east", kind=LocationKind.THIRD_PARTY)
    third_party = {"kind": PartnerKind.THIRD_PARTY, "connector": "shipbob"}
    zeta: Any = PartnerFactory(code="zeta3pl", name="Zeta Logistics", **third_party)
    alpha: Any = PartnerFactory(code="alpha3pl", name="Alpha Logistics", **third_party)
    for partner in (zeta, alpha):
        partner.locations.add(location)
    tee: Any = SKUFactory(code="TEE-BLK-M", weight_grams=300)
    stocked(location, tee, 5)

    order = place_order(web(), [("TEE-BLK-M", 1)]).order

    owed = FulfillmentOrderOutbox.objects.get(shipment__order=order)
    assert owed.partner == connected_partner(location) == alpha and zeta.pk < alpha.pk
