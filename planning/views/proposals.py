"""The proposals page: what to move between locations and what to buy, each with its numbers;
quantities editable, approved in one click into a real transfer or PO; stale ones offer a recompute;
the service level and review period of each class of location are edited here too."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.htmx import is_htmx, render_page
from planning.forms import StockingPoliciesForm
from planning.models import ProposalKind, ProposalStatus, ReplenishmentProposal
from planning.selectors import forecast_run_latest, proposal_list
from planning.services.policies import stocking_policies, stocking_policies_set
from planning.services.proposals import proposal_apply, proposals_compute


def _index_context(request: HttpRequest, policy_form: StockingPoliciesForm | None = None) -> dict[str, Any]:
    rows = list(proposal_list())
    policies = stocking_policies()
    return {
        "transfers": [p for p in rows if p.kind == ProposalKind.TRANSFER],
        "purchases": [p for p in rows if p.kind == ProposalKind.PURCHASE],
        "stale_count": sum(1 for p in rows if p.status == ProposalStatus.STALE),
        "can_manage": request.user.has_perm("planning.manage_proposals"),
        "run": forecast_run_latest(),
        "policies": list(policies.values()),
        "policy_form": policy_form or StockingPoliciesForm(policies=policies),
    }


@require_GET
@permission_required("planning.view_replenishmentproposal", raise_exception=True)
def proposal_index(request: HttpRequest) -> HttpResponse:
    """Open (and stale) proposals, transfers first, and the stocking policies they follow."""
    return render_page(request, "planning/proposals.html", _index_context(request))


@require_POST
@permission_required("planning.manage_proposals", raise_exception=True)
def stocking_policies_update(request: HttpRequest) -> HttpResponse:
    """Save the service level and review period per class of location; the page says what to do next."""
    form = StockingPoliciesForm(request.POST, policies=stocking_policies())
    if not form.is_valid():
        response = render_page(request, "planning/proposals.html", _index_context(request, form))
        response.status_code = 400
        return response
    try:
        stocking_policies_set(policies=form.policies())
    except DomainError as exc:
        form.add_error(None, exc.message)
        response = render_page(request, "planning/proposals.html", _index_context(request, form))
        response.status_code = 400
        return response
    messages.success(request, "Stocking policies saved. Recompute the proposals to apply them.")
    return redirect(f"{reverse('planning:proposals')}#stocking-policies")


@require_POST
@permission_required("planning.manage_proposals", raise_exception=True)
def proposals_recompute(request: HttpRequest) -> HttpResponse:
    """Compute the proposals again from the stored forecasts and today's stock."""
    proposals = proposals_compute(actor=request.user)
    transfers = sum(1 for p in proposals if p.kind == ProposalKind.TRANSFER)
    messages.success(
        request, f"Proposals recomputed: {transfers} transfer(s) and {len(proposals) - transfers} purchase(s)."
    )
    return redirect("planning:proposals")


@require_POST
@permission_required("planning.manage_proposals", raise_exception=True)
def proposal_approve(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Approve one proposal with the quantity in the form (a transfer proposal becomes a transfer)."""
    proposal = get_object_or_404(ReplenishmentProposal, pk=proposal_id)
    raw = request.POST.get("quantity", "").strip()
    error = ""
    if not raw.isdigit() or int(raw) < 1:
        error = (
            f"Enter a whole number of units of at least 1 for {proposal.number} "
            f"(suggested {proposal.suggested_quantity})."
        )
    else:
        try:
            proposal = proposal_apply(proposal=proposal, quantity=int(raw), actor=request.user)
        except DomainError as exc:
            error = exc.message
    proposal = proposal_list(status="").filter(pk=proposal.pk).first() or proposal
    success = ""
    if not error and proposal.transfer_id:
        success = (
            f"{proposal.number} approved: transfer {proposal.transfer.number} requested, {proposal.quantity} unit(s) "  # type: ignore[union-attr]
            f"reserved at {proposal.source.code} for {proposal.location.code}."
        )
    elif not error and proposal.kind == ProposalKind.PURCHASE and proposal.status == ProposalStatus.APPLIED:
        success = (
            f"{proposal.number} approved: a purchase order for {proposal.quantity} unit(s) is on its way to "
            f"{proposal.partner.name if proposal.partner else 'the supplier'}; its ship notice is received at "
            f"{proposal.location.code}."
        )
    if is_htmx(request):
        context = {"proposal": proposal, "row_error": error, "row_success": success, "can_manage": True}
        return render_page(request, "planning/proposals.html", context, partial="row")
    if error:
        messages.error(request, error)
    else:
        messages.success(request, success)
    return redirect("planning:proposals")
