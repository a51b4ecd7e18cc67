"""Customer self-service, no login: find the order by number and email, choose what comes back, see the label.

The look-up answers an unknown order and a wrong email with the same words, and failed
look-ups are rate-limited per client and per order number from that client, with growing
waits (`returns.ratelimit`), so nobody can lock a customer out of their order. A found
order is remembered in the session for half an hour; a return's page is reached by its
private link (a random token), which shows that return only.
"""

from __future__ import annotations

import functools
import time

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from channels.branding import channel_brand
from core.errors import DomainError
from core.htmx import render_page
from orders.models import Order
from returns.barcode import code128_svg, qr_svg
from returns.forms import CustomerLookupForm
from returns.models import ReturnMethod, ReturnPolicy, ReturnReason, ReturnSource, ReturnStatus
from returns.notifications import return_requested_notify
from returns.public_forms import CustomerReturnForm
from returns.ratelimit import lookup_blocked, lookup_failed
from returns.selectors import (
    customer_brand_channel,
    customer_order,
    customer_return,
    customer_return_stores,
    customer_returns,
    exchange_options,
    policy_reasons,
)
from returns.services import refund_quote_for, return_policy_for, return_request, returnable_lines
from returns.services.preview import ReturnPreview, return_preview
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
    """Order number and email; the same refusal for an unknown order and a wrong email.

    A shop links here with `?shop=<channel code>` so the page wears its brand before the
    order is known.
    """
    shop = customer_brand_channel(request.POST.get("shop") or request.GET.get("shop") or "")
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
    context = {"form": form, "shop": shop, "brand": channel_brand(shop)}
    return render_page(request, "returns/public_start.html", context, status=status)


@login_not_required
@never_cache
def customer_order_view(request: HttpRequest) -> HttpResponse:
    """The customer's order: what comes back, why, what they want instead, how it comes back, and what they get.

    The estimate beside the form is recomputed by the server from the order and the policy
    on every change (htmx posts the form to `customer_quote`) and again on submit; nothing
    the page sends about money is read.
    """
    order = _granted_order(request)
    if order is None:
        return redirect("returns:customer_start")
    policy = return_policy_for(order.channel)
    reasons = policy_reasons(order, policy=policy)
    form = _customer_form(request, order, reasons)
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
                    store=form.chosen_store(),
                )
            except DomainError as exc:
                form.add_error("store" if exc.field == "store" else form.field_for(exc.field), exc.message)
            else:
                transaction.on_commit(functools.partial(return_requested_notify.delay, rma.pk))
                return redirect("returns:customer_return", token=rma.public_token)
    context = {
        "order": order,
        "form": form,
        "rows": form.rows(),
        "policy": policy,
        "preview": _preview(order, form, policy, reasons),
        "any_returnable": any(item.available for item in form.returnables),
        "returns": customer_returns(order),
        "brand": channel_brand(order.channel),
        "in_store_offered": bool(form.stores),
    }
    return render_page(request, "returns/public_order.html", context, status=status)


@login_not_required
@never_cache
@require_POST
def customer_quote(request: HttpRequest) -> HttpResponse:
    """The live estimate for what the customer has chosen so far (htmx, on every change of the form)."""
    order = _granted_order(request)
    if order is None:
        return HttpResponse("Your session has ended: look up your order again.", status=403)
    policy = return_policy_for(order.channel)
    reasons = policy_reasons(order, policy=policy)
    form = _customer_form(request, order, reasons)
    context = {
        "order": order,
        "preview": _preview(order, form, policy, reasons),
        "policy": policy,
        "in_store_offered": bool(form.stores),
    }
    return render(request, "returns/public_order.html#fee-summary", context)


def _customer_form(request: HttpRequest, order: Order, reasons: list[ReturnReason]) -> CustomerReturnForm:
    returnables = returnable_lines(order)
    return CustomerReturnForm(
        request.POST or None,
        returnables=returnables,
        reasons=reasons,
        options=exchange_options(channel=order.channel, lines=[item.line for item in returnables if item.available]),
        stores=customer_return_stores(),
    )


def _preview(
    order: Order, form: CustomerReturnForm, policy: ReturnPolicy, reasons: list[ReturnReason]
) -> ReturnPreview:
    lines, in_store = form.draft()
    return return_preview(
        order=order,
        policy=policy,
        returnables=form.returnables,
        reasons=reasons,
        lines=lines,
        in_store=in_store,
    )


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
        # A return in store is shown at the counter: its QR code scans there like the barcode (both say the RMA number).
        "qr": qr_svg(rma.number) if rma.method == ReturnMethod.IN_STORE else "",
        "steps": _steps(rma.status),
        "brand": channel_brand(rma.order.channel),
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
