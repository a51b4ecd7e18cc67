"""Replenishment orders against the inventory position: stock already coming is not ordered twice,
backorders are, and the review period, service level and supplier lead time are the ones set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.errors import Conflict
from inventory.models import LocationKind, Transfer
from inventory.services import StockLine, transfer_create, transfer_ship
from partners.models import PurchaseOrder
from partners.services import purchase_order_create_for_stock
from planning.models import (
    DemandForecast,
    ForecastScope,
    ProposalKind,
    ProposalStatus,
    ReplenishmentProposal,
    StockingPolicy,
    SupplierLeadTime,
)
from planning.services.proposals import proposal_apply, proposals_compute
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.partners import PartnerFactory, sku_cost

pytestmark = pytest.mark.django_db


def _forecast(sku: Any, location: Any, per_day: float, error_sd: float = 0.0) -> None:
    DemandForecast.objects.create(
        scope=ForecastScope.LOCATION,
        sku=sku,
        location=location,
        as_of=dt.date(2026, 11, 30),
        horizon_days=28,
        model_name="AutoETS",
        daily_mean=per_day,
        error_sd=error_sd,
        points=[[per_day, per_day, per_day]] * 28,
    )


@pytest.fixture
def shop(db: Any) -> dict[str, Any]:
    """One warehouse holding 10 units of a SKU that sells 5 a day, bought from a supplier who ships in 48 h.

    With no forecast error: lead time 2 + 4 = 6 days, reorder point 5 x 6 = 30, order-up-to
    30 + 5 x 7 = 65 (weekly review by default), so the purchase is 65 - 10 = 55 units.
    """
    sku: Any = SKUFactory(code="MUG-01", price=Decimal("20.00"), weight_grams=400)
    warehouse: Any = LocationFactory(code="dal-dc", kind=LocationKind.WAREHOUSE, postal_code="75201")
    supplier: Any = PartnerFactory(code="acme", name="Acme Supply", ship_sla_hours=48)
    sku_cost(supplier, sku, "8.00")
    stocked(warehouse, sku, 10)
    _forecast(sku, warehouse, 5.0)
    return {"sku": sku, "warehouse": warehouse, "supplier": supplier}


def _purchase(shop: dict[str, Any]) -> ReplenishmentProposal:
    return next(
        p for p in proposals_compute() if p.kind == ProposalKind.PURCHASE and p.location_id == shop["warehouse"].pk
    )


def test_the_purchase_brings_the_position_up_to_the_order_up_to_level(shop: dict[str, Any]) -> None:
    proposal = _purchase(shop)

    assert (proposal.lead_time_days, proposal.review_days) == (6, 7)
    assert (proposal.reorder_point, proposal.order_up_to, proposal.position) == (30, 65, 10)
    assert proposal.quantity == 55
    assert "Order 65 - 10 = 55 from Acme Supply" in proposal.explanation
    assert "48 h to ship + 4 days transit" in proposal.explanation


def test_an_open_purchase_order_of_40_units_reduces_the_proposal_by_40(shop: dict[str, Any]) -> None:
    DemandForecast.objects.filter(sku=shop["sku"]).update(daily_mean=10.0, points=[[10.0, 10.0, 10.0]] * 28)
    before = _purchase(shop)  # reorder point 60, order-up-to 130, position 10: 120 units
    purchase_order_create_for_stock(
        partner=shop["supplier"], location=shop["warehouse"], lines=[StockLine(shop["sku"].pk, 40)]
    )

    after = _purchase(shop)

    assert before.quantity == 120
    assert after.quantity == before.quantity - 40
    assert (after.position, after.position_terms["on_order"]) == (50, 40)
    assert "10 on hand + 40 on order (open purchase orders)" in after.explanation


def test_no_purchase_while_an_open_purchase_order_already_covers_the_need(shop: dict[str, Any]) -> None:
    purchase_order_create_for_stock(
        partner=shop["supplier"], location=shop["warehouse"], lines=[StockLine(shop["sku"].pk, 55)]
    )

    assert not [p for p in proposals_compute() if p.kind == ProposalKind.PURCHASE]


def test_units_in_transit_to_the_location_are_counted_once(shop: dict[str, Any]) -> None:
    store: Any = LocationFactory(code="austin-store", kind=LocationKind.STORE)
    stocked(store, shop["sku"], 12)
    transfer = transfer_create(
        source=store, destination=shop["warehouse"], lines=[StockLine(shop["sku"].pk, 12)], actor=None
    )
    requested = _purchase(shop)
    transfer_ship(transfer=transfer, actor=None)
    shipped = _purchase(shop)

    assert requested.quantity == shipped.quantity == 55 - 12
    assert requested.position_terms["transfers_requested"] == 12
    assert shipped.position_terms["in_transit"] == 12
    assert "+ 12 in transit" in shipped.explanation


def test_backordered_units_are_ordered_on_top(shop: dict[str, Any]) -> None:
    channel: Any = ChannelFactory()
    place_order(channel, [(shop["sku"].code, 16)], external_id="BIG-1")  # 10 allocated, 6 wait for stock

    proposal = _purchase(shop)

    assert proposal.position_terms["backorders"] == 6
    # 10 on hand are reserved for the order, 6 more are owed: position 10 - 10 - 6 = -6
    assert proposal.position == -6
    assert proposal.quantity == 65 + 6
    assert "- 6 backordered" in proposal.explanation


def test_the_review_period_and_service_level_of_the_location_class_are_used(shop: dict[str, Any]) -> None:
    DemandForecast.objects.filter(sku=shop["sku"]).update(error_sd=2.0)
    StockingPolicy.objects.create(location_class=LocationKind.WAREHOUSE, service_level=0.95, review_days=14)

    proposal = _purchase(shop)

    # z(95%) 1.645 x 2 x sqrt(6 + 14) = 14.7 -> 15 safety; reorder 30 + 14.7 -> 45; up to 44.7 + 70 -> 115
    assert (proposal.review_days, proposal.safety_stock, proposal.reorder_point) == (14, 15, 45)
    assert proposal.order_up_to == 115
    assert proposal.quantity == 105
    assert "14-day review" in proposal.explanation


def test_a_supplier_quoted_lead_time_replaces_the_shipping_sla(shop: dict[str, Any]) -> None:
    SupplierLeadTime.objects.create(partner=shop["supplier"], days=10)

    proposal = _purchase(shop)

    assert proposal.lead_time_days == 10
    assert (proposal.reorder_point, proposal.order_up_to) == (50, 85)
    assert "10 days quoted by Acme Supply" in proposal.explanation


def test_a_purchase_order_sent_after_the_proposal_makes_it_stale(shop: dict[str, Any]) -> None:
    proposal = _purchase(shop)
    purchase_order_create_for_stock(
        partner=shop["supplier"], location=shop["warehouse"], lines=[StockLine(shop["sku"].pk, 40)]
    )

    with pytest.raises(Conflict, match="Recompute"):
        proposal_apply(proposal=proposal, quantity=proposal.quantity, actor=None)

    assert PurchaseOrder.objects.count() == 1  # only the one sent by hand
    assert ReplenishmentProposal.objects.get(pk=proposal.pk).status == ProposalStatus.STALE
    assert not Transfer.objects.exists()
