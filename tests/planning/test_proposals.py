"""Replenishment and rebalancing proposals: computed from forecasts, approved into transfers, refused when stale."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.errors import Conflict
from fulfillment.models import LinehaulLane
from inventory.models import StockLevel, Transfer, TransferStatus
from inventory.services import stock_adjust
from planning.models import ProposalKind, ProposalStatus, ReplenishmentProposal
from planning.services.proposals import proposal_apply, proposals_compute

pytestmark = pytest.mark.django_db


def test_a_short_store_gets_a_transfer_from_the_overstocked_warehouse_with_its_numbers(network: dict[str, Any]) -> None:
    proposals = proposals_compute()

    transfer = next(p for p in proposals if p.kind == ProposalKind.TRANSFER)
    assert (transfer.source_id, transfer.location_id) == (network["warehouse"].pk, network["store"].pk)
    assert transfer.quantity == transfer.order_up_to - 2  # up to the order-up-to level from a position of 2
    assert transfer.reorder_point >= 5 * transfer.lead_time_days
    assert transfer.value["net"] > 0
    assert transfer.value["net"] == pytest.approx(
        transfer.value["shipping_savings"] + transfer.value["avoided_lost_sales"] - transfer.value["transfer_cost"],
        abs=0.02,
    )
    assert "nyc-store position 2 (2 on hand)" in transfer.explanation
    # the transfer covers the store, so no purchase is proposed for it as well
    assert not [p for p in proposals if p.kind == ProposalKind.PURCHASE and p.location_id == network["store"].pk]


def test_approving_a_transfer_proposal_creates_the_transfer_with_the_edited_quantity(network: dict[str, Any]) -> None:
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.TRANSFER)

    applied = proposal_apply(proposal=proposal, quantity=proposal.quantity - 1, actor=None)

    assert applied.transfer_id is not None
    transfer = Transfer.objects.get(pk=applied.transfer_id)
    assert (transfer.source_id, transfer.destination_id, transfer.status) == (
        network["warehouse"].pk,
        network["store"].pk,
        TransferStatus.REQUESTED,
    )
    assert transfer.lines.get().quantity == proposal.quantity - 1
    assert StockLevel.objects.get(location=network["warehouse"], sku=network["sku"]).reserved == proposal.quantity - 1
    assert ReplenishmentProposal.objects.get(pk=proposal.pk).status == ProposalStatus.APPLIED
    with pytest.raises(Conflict):
        proposal_apply(proposal=proposal, quantity=1, actor=None)  # once only


def test_a_proposal_computed_on_stock_that_changed_since_refuses_to_apply(network: dict[str, Any]) -> None:
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.TRANSFER)
    stock_adjust(location=network["store"], sku=network["sku"], delta=5, reason_code="found", actor=None)

    with pytest.raises(Conflict, match="Recompute"):
        proposal_apply(proposal=proposal, quantity=proposal.quantity, actor=None)

    assert not Transfer.objects.exists()
    assert ReplenishmentProposal.objects.get(pk=proposal.pk).status == ProposalStatus.STALE


def test_no_transfer_when_it_costs_more_than_it_saves(network: dict[str, Any]) -> None:
    LinehaulLane.objects.filter(origin=network["warehouse"]).update(cost_per_unit=Decimal("500.00"))

    proposals = proposals_compute()

    assert not [p for p in proposals if p.kind == ProposalKind.TRANSFER]
    purchase = next(p for p in proposals if p.kind == ProposalKind.PURCHASE)
    assert purchase.location_id == network["store"].pk
    assert "no supplier lists this SKU" in purchase.explanation
