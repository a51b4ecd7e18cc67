"""Customer self-service, no login: find the order by number and email, choose what comes back, see the label.

The look-up answers an unknown order and a wrong email with the same words, and failed
look-ups are rate-limited per client and per order number from that client, with growing
waits (`returns.ratelimit`), so nobody can lock a customer out of their order. A found
order is remembered in the session for half an hour; a return's page is reached by its
private link (a random token), which shows that return only.
"""

from __future__ import annotations

import time

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from core.errors import DomainError
from core.htmx import render_page
from orders.models import Order
from returns.barcode import code128_svg
from returns.forms import CustomerLookupForm, ReturnLinesForm
from returns.models import ReturnSource, ReturnStatus
from returns.ratelimit import lookup_blocked, lookup_failed
from returns.selectors import customer_order, customer_return, customer_returns, policy_reasons
from returns.services import refund_quote_for, return_policy_for, return_request, returnable_lines
from returns.views.detail import label_response

NOT_FOUND = "We could not find an order with that number and email address. Check both and try again."
SESSION_KEY = "returns_customer_order"
SESSION_SECONDS = 30 * 60


def _granted_order(request: HttpRequest) -> Order | None:
    grant = request.session.get(SESSION_KEY)
    if not isinstance(grant, dict) or grant.get("until", 0) < time.time() or not isinstance(grant.get("order"), int):
        return None
    return Order.objects.select_related("channel").filter(pk=grant["order"]).first()


@login_not_required
@never_cache
def customer_start(request: HttpRequest) -> HttpResponse:
    """Order number and email; the same refusal for an unknown order and a wrong email."""
    form = CustomerLookupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        number = request.POST.get("order_number", "")[:100]
        limit = lookup_blocked(request, number)
        if limit.blocked:
            minutes = max(limit.retry_after // 60, 1)
            form.errors.clear()
            form.add_error(None, f"Too many attempts. For your security, try again in {minutes} minutes.")
            status = 429
        elif form.is_valid():
            order = customer_order(number=form.cleaned_data["order_number"], email=form.cleaned_data["email"])
            if order is None:
                lookup_failed(request, number)
                form.add_error(None, NOT_FOUND)
            else:
                request.session.cycle_key()
                request.session[SESSION_KEY] = {"order": order.pk, "until": time.time() + SESSION_SECONDS}
                return redirect("returns:customer_order")
    return render_page(request, "returns/public_start.html", {"form": form}, status=status)


@login_not_required
@never_cache
def customer_order_view(request: HttpRequest) -> HttpResponse:
    """The customer's order: what can come back, why, and (for an exchange) the size or SKU wanted instead."""
    order = _granted_order(request)
    if order is None:
        return redirect("returns:customer_start")
    returnables = returnable_lines(order)
    form = ReturnLinesForm(request.POST or None, returnables=returnables, reasons=policy_reasons(order))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                rma = return_request(
                    order=order,
                    lines=form.line_inputs(),
                    source=ReturnSource.SELF_SERVICE,
                    actor_label="customer",
                    customer_note=form.cleaned_data["customer_note"],
                )
            except DomainError as exc:
                form.add_error(form.field_for(exc.field), exc.message)
            else:
                return redirect("returns:customer_return", token=rma.public_token)
    context = {
        "order": order,
        "form": form,
        "rows": form.rows(),
        "policy": return_policy_for(order.channel),
        "any_returnable": any(item.available for item in returnables),
        "returns": customer_returns(order),
    }
    return render_page(request, "returns/public_order.html", context, status=status)


@login_not_required
@never_cache
def customer_return_view(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's return: status, label, what comes back and what they get."""
    rma = customer_return(token)
    if rma is None:
        raise Http404("No such return.")
    refund = getattr(rma, "refund", None)
    context = {
        "rma": rma,
        "lines": list(rma.lines.all()),
        "tracking": list(rma.tracking_events.all()),
        "refund": refund,
        "quote": None if refund else refund_quote_for(rma, quote=True),
        "barcode": code128_svg(rma.number),
        "steps": _steps(rma.status),
    }
    return render_page(request, "returns/public_return.html", context)


@login_not_required
@never_cache
def customer_label(request: HttpRequest, token: str) -> HttpResponse:
    rma = customer_return(token)
    if rma is None:
        raise Http404("No such return.")
    return label_response(request, rma)


def _steps(status: str) -> list[dict[str, object]]:
    order = [
        (ReturnStatus.AUTHORIZED, "Approved"),
        (ReturnStatus.IN_TRANSIT, "On its way"),
        (ReturnStatus.RECEIVED, "Received"),
        (ReturnStatus.INSPECTED, "Checked"),
        (ReturnStatus.REFUNDED, "Refunded"),
    ]
    rank: dict[str, int] = {value: index for index, (value, _) in enumerate(order)}
    rank[ReturnStatus.EXCHANGED] = rank[ReturnStatus.INSPECTED]
    rank[ReturnStatus.CLOSED] = len(order) - 1
    current = rank.get(status, -1)
    return [
        {"label": label, "done": index <= current, "current": index == current}
        for index, (_, label) in enumerate(order)
    ]
