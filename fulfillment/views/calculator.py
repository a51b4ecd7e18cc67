"""What would it cost: price a parcel from a location to a ZIP code with every rate card."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from core.errors import DomainError
from core.htmx import render_page
from fulfillment.forms import LEVEL_LABELS, RateCalculatorForm
from fulfillment.selectors import RateQuote, rate_quote, shipping_origins


@require_GET
@permission_required("fulfillment.view_carrier", raise_exception=True)
def rate_calculator(request: HttpRequest) -> HttpResponse:
    """A GET form (so a quote has a URL to share); htmx swaps only the results."""
    origins = list(shipping_origins())
    bound = bool(request.GET.get("origin") or request.GET.get("postal_code"))
    form = RateCalculatorForm(request.GET if bound else None, origins=origins)
    quote: RateQuote | None = None
    status = 200
    if bound:
        if form.is_valid():
            origin = next(loc for loc in origins if loc.code == form.cleaned_data["origin"])
            try:
                quote = rate_quote(
                    origin=origin,
                    postal_code=form.cleaned_data["postal_code"],
                    weight_grams=form.weight_grams(),
                    level=form.cleaned_data["level"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        if form.errors:
            status = 422
    rows = [{"card": card, "level": LEVEL_LABELS.get(card.level, card.level)} for card in quote.cards] if quote else []
    weight_lb = form.cleaned_data.get("weight_lb") if quote else None
    context = {"form": form, "quote": quote, "quote_rows": rows, "weight_lb": weight_lb}
    return render_page(request, "fulfillment/calculator.html", context, partial="results", status=status)
