"""Approving a replenishment proposal: a transfer or a stock purchase order, unless the stock changed.

`proposal_apply` first compares what the proposal was computed on (`position_snapshot`: on hand,
reserved, in transit and on order of each location it names) with the same figures now. If any
changed (a receipt, a sale, a purchase order sent or a transfer requested since), the proposal turns
stale and nothing is created: the page then offers to recompute. Otherwise a transfer proposal
becomes an inventory transfer (`inventory.services.transfer_create`, units reserved at the source)
and a purchase proposal a stock purchase order to its supplier
(`partners.services.purchase_order_create_for_stock`), with the quantity staff approved.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.types import Actor, actor_id
from inventory.services import StockLine, transfer_create
from partners.services import purchase_order_create_for_stock
from planning.models import ProposalKind, ProposalStatus, ReplenishmentProposal
from planning.services.positions import position_snapshot, stock_positions


def _current_snapshot(proposal: ReplenishmentProposal) -> dict[str, list[int]]:
    keys = [(int(loc), int(sku)) for loc, sku in (key.split(":") for key in proposal.stock_snapshot)]
    positions = stock_positions(location_ids=[loc for loc, _ in keys], sku_ids=[proposal.sku_id], with_backorders=False)
    return position_snapshot(positions, keys)


def proposal_apply(*, proposal: ReplenishmentProposal, quantity: int, actor: Actor) -> ReplenishmentProposal:
    """Approve a proposal with `quantity` units (see the module docstring).

    Refused (Conflict) when the proposal is no longer open or the stock it was computed on has
    changed since (then it is marked stale: recompute the proposals).
    """
    if quantity < 1:
        raise ValidationFailed("Enter a quantity of at least 1.", field="quantity")
    with transaction.atomic():
        locked = (
            ReplenishmentProposal.objects.select_for_update(of=("self",))
            .select_related("location", "source", "partner")
            .get(pk=proposal.pk)
        )
        if locked.status != ProposalStatus.OPEN:
            raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}; recompute the proposals.")
        stale = _current_snapshot(locked) != locked.stock_snapshot
        if stale:
            # Recorded, not rolled back with the refusal: the page then shows it as stale.
            ReplenishmentProposal.objects.filter(pk=locked.pk).update(status=ProposalStatus.STALE)
        else:
            _apply_open(locked, quantity, actor)
    if stale:
        raise Conflict(
            f"Stock changed since {locked.number} was computed, so it was not applied. Recompute the proposals to "
            "see what is needed now.",
            field="stale",
        )
    return locked


def _apply_open(locked: ReplenishmentProposal, quantity: int, actor: Actor) -> None:
    if locked.kind == ProposalKind.PURCHASE:
        _apply_purchase(locked, quantity, actor)
        return
    if locked.source is None:
        raise Conflict(f"{locked.number} has no source location; recompute the proposals.")
    transfer = transfer_create(
        source=locked.source,
        destination=locked.location,
        lines=[StockLine(locked.sku_id, quantity)],
        actor=actor,
        note=f"Rebalancing {locked.number}",
    )
    locked.status = ProposalStatus.APPLIED
    locked.quantity = quantity
    locked.transfer = transfer
    locked.applied_by_id = actor_id(actor)
    locked.applied_at = timezone.now()
    locked.save(update_fields=["status", "quantity", "transfer", "applied_by", "applied_at"])


def _apply_purchase(locked: ReplenishmentProposal, quantity: int, actor: Actor) -> None:
    """A purchase proposal becomes a stock purchase order to its supplier, sent after commit."""
    if locked.partner is None:
        raise Conflict(
            f"No supplier lists the SKU of {locked.number}: add its cost to a supplier's SKU costs and recompute.",
            field="partner",
        )
    po = purchase_order_create_for_stock(
        partner=locked.partner,
        location=locked.location,
        lines=[StockLine(locked.sku_id, quantity)],
        actor=actor,
        reference=f"Replenishment {locked.number}",
    )
    locked.status = ProposalStatus.APPLIED
    locked.quantity = quantity
    locked.applied_by_id = actor_id(actor)
    locked.applied_at = timezone.now()
    locked.explanation = f"{locked.explanation} Ordered as {po.number}."
    locked.save(update_fields=["status", "quantity", "applied_by", "applied_at", "explanation"])
