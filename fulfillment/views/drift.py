"""The rate-card drift report: card prices against what labels cost, and one button to apply the proposals.

Needs `fulfillment.manage_rates` (it proposes rate-card changes). The button posts the very
proposals shown (each with the card price it saw), so applying never changes a cell the
viewer did not see, and a cell edited meanwhile is refused rather than overwritten.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.htmx import render_page
from fulfillment.selectors.drift import DriftRow, pounds_text, rate_card_drift
from fulfillment.services.rates.drift import CardPriceChange, rate_card_prices_apply

TEMPLATE = "fulfillment/drift.html"


def change_token(row: DriftRow) -> str:
    """One proposal as the form posts it: service:zone:grams:card price:proposed price."""
    return f"{row.service_id}:{row.zone}:{row.max_weight_grams}:{row.card_price}:{row.proposed_price}"


def _parse_change(token: str) -> CardPriceChange | None:
    try:
        service, zone, grams, old, new = token.split(":")
        return CardPriceChange(
            service_id=int(service),
            zone=int(zone),
            max_weight_grams=int(grams),
            old_price=Decimal(old),
            new_price=Decimal(new),
        )
    except (ValueError, InvalidOperation):
        return None


def _chart_rows(rows: list[DriftRow]) -> list[dict[str, Any]]:
    """Each row with its bar widths (% of the dearest figure on the page), for the card-vs-paid chart."""
    top = max([max(row.card_price, row.median_paid) for row in rows] or [Decimal(1)]) or Decimal(1)
    return [
        {
            "row": row,
            "weight": pounds_text(row.max_weight_grams),
            "card_pct": float(row.card_price / top * 100),
            "paid_pct": float(row.median_paid / top * 100),
            "token": change_token(row) if row.applicable else "",
        }
        for row in rows
    ]


@require_http_methods(["GET", "POST"])
@permission_required("fulfillment.manage_rates", raise_exception=True)
def rate_drift(request: HttpRequest) -> HttpResponse:
    """The report (GET), or apply the proposals it showed (POST, then back to the report)."""
    if request.method == "POST":
        changes = [_parse_change(token) for token in request.POST.getlist("change")]
        if any(change is None for change in changes):
            return HttpResponseBadRequest("A proposal was not in the form the report posts.")
        if not changes:
            messages.error(request, "Tick at least one proposed price to apply.")
            return redirect("fulfillment:rate_drift")
        try:
            applied = rate_card_prices_apply(changes=[change for change in changes if change is not None])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            count = len(applied)
            listed = "; ".join(price.describe() for price in applied)
            plural = "s" if count != 1 else ""
            messages.success(
                request,
                f"{count} card price{plural} updated: {listed}. Routing uses the new prices from the next order.",
            )
        return redirect("fulfillment:rate_drift")
    report = rate_card_drift()
    context: dict[str, Any] = {
        "report": report,
        "rows": _chart_rows(report.rows),
        "proposals": report.proposals,
        "applicable": report.applicable,
    }
    return render_page(request, TEMPLATE, context)
