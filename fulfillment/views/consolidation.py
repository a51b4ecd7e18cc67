"""The consolidation area: parcels waiting at a node for inbound units, and what staff do about a leg.

Needs `fulfillment.work_shipments`, scoped to the user's locations like the work queue. GET lists
the parcels waiting at each node (what is missing, since when, late legs highlighted). POST
`action=lost` with `leg` and `reason` fails a leg (its units are routed again, the node ships
what it has); `action=check` settles the legs whose transfers were received or cancelled.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.htmx import render_page
from fulfillment.selectors.consolidation import (
    consolidation_leg_get,
    consolidation_node_ids,
    consolidation_queue,
)
from fulfillment.services.consolidation import consolidation_leg_fail, consolidation_sweep

WORK = "fulfillment.work_shipments"


class LegLostForm(forms.Form):
    """A leg that will not arrive, and why."""

    leg = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=200, required=False)


@require_http_methods(["GET", "POST"])
@permission_required(WORK, raise_exception=True)
def consolidation(request: HttpRequest) -> HttpResponse:
    """The parcels waiting at the user's consolidation nodes; POST acts on a leg (see the module)."""
    if request.method == "POST":
        return _act(request)
    today = timezone.localdate()
    groups = consolidation_queue(user=request.user, today=today)
    context = {
        "groups": groups,
        "today": today,
        "waiting": sum(len(group.holds) for group in groups),
        "late": sum(group.late_count for group in groups),
    }
    return render_page(request, "fulfillment/consolidation.html", context, partial="area")


def _act(request: HttpRequest) -> HttpResponse:
    back = reverse("fulfillment:consolidation")
    action = request.POST.get("action", "")
    if action == "check":
        settled = consolidation_sweep(node_ids=consolidation_node_ids(user=request.user))
        messages.success(
            request, f"{len(settled)} leg{'s' if len(settled) != 1 else ''} settled." if settled else "Nothing new."
        )
        return redirect(back)
    if action != "lost":
        messages.error(request, "Choose what to do.")
        return redirect(back)
    form = LegLostForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a leg.")
        return redirect(back)
    leg = consolidation_leg_get(user=request.user, pk=form.cleaned_data["leg"])
    try:
        consolidation_leg_fail(leg=leg, reason=form.cleaned_data["reason"], actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{leg.transfer.number} marked as failed: its units are routed again and the order's timeline says so.",
        )
    return redirect(back)
