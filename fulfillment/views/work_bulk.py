"""The work queue's bulk accept: tick several requests (ship-from-store or warehouse) and accept them at once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from fulfillment.selectors.work import work_shipments_by_ids
from fulfillment.services.work_bulk import shipments_accept_each
from fulfillment.views.orders._shared import safe_next

#: More ticks than a queue page holds is not a person at the queue.
MAX_BULK = 200


@require_POST
@permission_required("fulfillment.work_shipments", raise_exception=True)
def work_accept_bulk(request: HttpRequest) -> HttpResponse:
    """Accept every ticked shipment at the user's locations; one message for those accepted, one per refusal."""
    back = safe_next(request, reverse("fulfillment:work") + "?tab=accept")
    ids = [int(value) for value in request.POST.getlist("shipments")[:MAX_BULK] if value.isdigit()]
    if not ids:
        messages.error(request, "Tick the requests to accept first, then press Accept selected.")
        return redirect(back)
    # Another location's shipment is left out by the selector, as if it did not exist.
    shipments = work_shipments_by_ids(user=request.user, ids=ids)
    outcomes = shipments_accept_each(shipments=shipments, actor=request.user)
    accepted = [outcome.number for outcome in outcomes if outcome.accepted]
    if accepted:
        count = len(accepted)
        messages.success(
            request,
            f"{count} accepted: {', '.join(accepted)}. {'They are' if count > 1 else 'It is'} in To pick.",
        )
    for outcome in outcomes:
        if not outcome.accepted:
            messages.error(request, f"{outcome.number} not accepted: {outcome.message}")
    missing = len(set(ids)) - len(shipments)
    if missing:
        messages.error(
            request,
            f"{missing} ticked request{'s are' if missing > 1 else ' is'} not at your locations any more; "
            "refresh the queue.",
        )
    return redirect(back)
