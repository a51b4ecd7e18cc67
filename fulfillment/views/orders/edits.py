"""The order page's edits before pick: ship-to, lines, part cancelled, the location chosen by hand,
comments with @mentions and tags; and the mentions list.

Each POST parses its form, calls one service and goes back to the order with a message saying
what happened (and where the order ships from now, and why); a refusal says what to fix. A
ship-to refused on one of its fields shows the order page again with what was typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.htmx import render_page
from fulfillment.selectors.order_routing import carrier_service_names, service_label
from fulfillment.selectors.orders import order_get
from fulfillment.services.order_edits import (
    EditOutcome,
    edits_closed_reason,
    order_lines_edit,
    order_location_choose,
    order_ship_to_edit,
    order_units_cancel,
)
from fulfillment.services.routing.pinned import order_locations_priced
from fulfillment.views.orders.detail import order_detail_context
from inventory.models import Location
from inventory.selectors import sku_search
from orders.models import Order
from orders.selectors import mentions_of
from orders.services.edits import ShipTo, order_comment_add, order_tags_set, tags_parse

ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")


def _tell(request: HttpRequest, order: Order, done: str, outcome: EditOutcome) -> None:
    messages.success(request, " ".join(part for part in (f"{order.number}: {done}", outcome.explanation()) if part))


def _int(value: str | None) -> int | None:
    """A whole number typed in a form, or None for blank or not a number."""
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_POST
@permission_required("orders.change_order", raise_exception=True)
def order_ship_to_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Ship the order to another address; a refused field shows the page again with what was typed (422)."""
    order = order_get(user=request.user, pk=pk)
    typed = {name: request.POST.get(name, "") for name in ADDRESS_FIELDS}
    try:
        outcome = order_ship_to_edit(order=order, ship_to=ShipTo(**typed), actor=request.user)
    except DomainError as exc:
        context = order_detail_context(request, pk)
        context.update(address_typed=typed, address_error=exc.message, address_error_field=exc.field or "")
        return render(request, "orders/detail.html", context, status=422)
    if outcome.routing is None and outcome.order.ship_line1 == order.ship_line1 and not outcome.before:
        messages.success(request, f"{order.number}: ship-to saved. {outcome.explanation()}".strip())
    else:
        _tell(request, order, "ship-to changed.", outcome)
    return redirect("orders:detail", pk=pk)


@require_POST
@permission_required("orders.change_order", raise_exception=True)
def order_lines_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change quantities (qty_<line>), remove lines (remove_<line>) and add one SKU (add_sku, add_quantity)."""
    order = order_get(user=request.user, pk=pk)
    quantities: dict[int, int] = {}
    for line in order.lines.all():
        typed = request.POST.get(f"qty_{line.pk}")
        if typed is None:
            continue
        value = _int(typed)
        if value is None:
            messages.error(request, f"Line {line.line_number} ({line.sku.code}): type the quantity as a whole number.")
            return redirect("orders:detail", pk=pk)
        quantities[line.pk] = value
    remove = [line.pk for line in order.lines.all() if request.POST.get(f"remove_{line.pk}")]
    add = None
    code = request.POST.get("add_sku", "").strip()
    if code:
        sku = sku_search().filter(code__iexact=code).first()
        units = _int(request.POST.get("add_quantity")) or 1
        if sku is None:
            messages.error(request, f"No SKU has the code {code}; type part of its name or code and pick it.")
            return redirect("orders:detail", pk=pk)
        add = (sku, units)
    try:
        outcome = order_lines_edit(order=order, actor=request.user, quantities=quantities, add=add, remove=remove)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _tell(request, order, "lines changed, stock reserved again.", outcome)
    return redirect("orders:detail", pk=pk)


@require_POST
@permission_required("orders.cancel_order", raise_exception=True)
def order_cancel_part_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel some units (cancel_<line>) with a reason; the rest is routed again."""
    order = order_get(user=request.user, pk=pk)
    quantities: dict[int, int] = {}
    for line in order.lines.all():
        typed = request.POST.get(f"cancel_{line.pk}", "")
        value = _int(typed)
        if typed and (value is None or value < 0):
            messages.error(request, f"Line {line.line_number} ({line.sku.code}): type how many units, e.g. 1.")
            return redirect("orders:detail", pk=pk)
        if value:
            quantities[line.pk] = value
    try:
        outcome = order_units_cancel(
            order=order, quantities=quantities, reason=request.POST.get("reason", "")[:200], actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        done = "cancelled; its stock is available again." if outcome.order.status == "cancelled" else "units cancelled."
        _tell(request, order, done, outcome)
    return redirect("orders:detail", pk=pk)


@permission_required("orders.route_order", raise_exception=True)
def order_locations_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: each location that could ship the order, with the engine's price; POST: ship from the chosen one."""
    order = order_get(user=request.user, pk=pk)
    if request.method == "POST":
        location = Location.objects.filter(code=request.POST.get("location", "")).first()
        if location is None:
            messages.error(request, "Choose one of the listed locations.")
            return redirect("orders:detail", pk=pk)
        try:
            outcome = order_location_choose(order=order, location=location, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            _tell(request, order, f"ships from {location.code} as you chose.", outcome)
        return redirect("orders:detail", pk=pk)
    if request.method != "GET":
        raise PermissionDenied
    closed = edits_closed_reason(order, list(order.shipments.select_related("location")))
    try:
        priced = [] if closed else order_locations_priced(order=order)
        problem = ""
    except DomainError as exc:
        priced, problem = [], exc.message
    names = carrier_service_names()
    choices = [
        (price, ", ".join(service_label(names, planned.carrier, planned.service) for planned in price.plan.shipments))
        for price in priced
    ]
    context = {"order": order, "choices": choices, "closed": closed or problem}
    return render_page(request, "orders/locations.html", context, partial="choices")


@require_POST
@permission_required("orders.view_order", raise_exception=True)
def order_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a comment to the timeline; people named with @username see it in their mentions."""
    order = order_get(user=request.user, pk=pk)
    try:
        event = order_comment_add(order=order, text=request.POST.get("comment", ""), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        named = event.data.get("mentions") or []
        messages.success(
            request, "Comment added." + (f" Mentioned: {', '.join('@' + name for name in named)}." if named else "")
        )
    return redirect("orders:detail", pk=pk)


@require_POST
@permission_required("orders.change_order", raise_exception=True)
def order_tags_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace the order's tags with the comma-separated ones typed."""
    order = order_get(user=request.user, pk=pk)
    try:
        tags = order_tags_set(order=order, tags=tags_parse(request.POST.get("tags", "")), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{order.number} tagged {', '.join(tags)}." if tags else f"{order.number}: no tags.")
    return redirect("orders:detail", pk=pk)


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def mentions_view(request: HttpRequest) -> HttpResponse:
    """Comments that mention me (or ?user=<username>), newest first, each linked to its order."""
    username = request.GET.get("user", "").strip() or request.user.get_username()
    context = {
        "username": username,
        "mine": username == request.user.get_username(),
        "mentions": mentions_of(username=username),
    }
    return render(request, "orders/mentions.html", context)
