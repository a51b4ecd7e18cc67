"""One order: header, lines, shipments, routing explanation, timeline, and its actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.htmx import render_page
from fulfillment.models import OPEN_SHIPMENT_STATUSES, PickupStatus, ShipmentStatus
from fulfillment.selectors.order_routing import carrier_service_names, routing_explanation, service_label
from fulfillment.selectors.orders import order_detail, order_get
from fulfillment.services import order_cancel, order_hold, order_release, order_reroute, shipment_reject
from fulfillment.services.order_edits import edits_closed_reason
from fulfillment.services.reroute import REROUTABLE_SHIPMENT_STATUSES
from orders.forms import ReasonForm
from orders.models import DeliveryMethod, Order, OrderStatus

#: Shipments a person may still take away from their location: nobody has packed them.
REJECTABLE_SHIPMENT_STATUSES = (*REROUTABLE_SHIPMENT_STATUSES, ShipmentStatus.PICKING)
_CLOSED = (OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


def _allowed_actions(user: Any, order: Order) -> dict[str, bool]:
    """Which actions the order's status and the user's permissions allow (the services re-check)."""
    can_route = user.has_perm("orders.route_order")
    return {
        "can_hold": can_route and order.status not in (*_CLOSED, OrderStatus.ON_HOLD),
        "can_release": can_route and order.status == OrderStatus.ON_HOLD,
        "can_reroute": can_route and order.status not in (*_CLOSED, OrderStatus.ON_HOLD),
        "can_cancel": user.has_perm("orders.cancel_order") and order.status not in _CLOSED,
        "can_reject": can_route and order.status not in _CLOSED,
    }


def _edit_context(user: Any, order: Order, shipments: list[Any]) -> dict[str, Any]:
    """What the page needs to offer the edits before pick: who may do which, and why they are closed."""
    return {
        "edit_closed": edits_closed_reason(order, shipments),
        "can_edit": user.has_perm("orders.change_order"),
        "can_choose_location": user.has_perm("orders.route_order"),
        "can_cancel_part": user.has_perm("orders.cancel_order"),
        "tags": [tag.name for tag in order.tags.all()],
    }


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def order_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one order, and what staff may do with it now."""
    return render_page(request, "orders/detail.html", order_detail_context(request, pk))


def order_detail_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    """The order page's context (the edits render it again with a refused form's values)."""
    order = order_detail(user=request.user, pk=pk)
    lines = list(order.lines.all())
    shipments = list(order.shipments.all())
    decisions = list(order.routing_decisions.all())
    names = carrier_service_names()
    for shipment in shipments:
        shipment.service_label = service_label(names, shipment.carrier, shipment.service)  # type: ignore[attr-defined]
    context = {
        "order": order,
        "collected": _collected(order),
        "lines": lines,
        "shipments": shipments,
        "events": list(order.events.all()),
        "routing": routing_explanation(decisions[0], names) if decisions else None,
        "earlier": [routing_explanation(decision, names) for decision in decisions[1:]],
        "units": {
            "ordered": sum(line.quantity for line in lines),
            "allocated": sum(line.quantity_allocated for line in lines),
            "shipped": sum(line.quantity_shipped for line in lines),
            "cancelled": sum(line.quantity_cancelled for line in lines),
            "backordered": sum(line.quantity_backordered for line in lines),
        },
        "open_statuses": OPEN_SHIPMENT_STATUSES,
        "rejectable_statuses": REJECTABLE_SHIPMENT_STATUSES,
        **_allowed_actions(request.user, order),
        **_edit_context(request.user, order, shipments),
    }
    return context


@dataclass(frozen=True)
class Collected:
    """A pickup handed over at the counter: where, when (the store's day) and who handed it over."""

    store: str
    location_id: int
    at: datetime
    customer: str
    handed_over_by: str

    @property
    def text(self) -> str:
        return f"Picked up at {self.store} on {self.at:%a} {self.at.day} {self.at:%b} by {self.customer}"


def _collected(order: Order) -> Collected | None:
    """How the order's pickup was collected, or None (not a pickup, or not collected yet)."""
    pickup = getattr(order, "pickup", None) if order.delivery_method == DeliveryMethod.PICKUP else None
    if pickup is None or pickup.status != PickupStatus.PICKED_UP or pickup.picked_up_at is None:
        return None
    by = pickup.picked_up_by
    return Collected(
        store=pickup.location.name,
        location_id=pickup.location_id,
        # The store's wall clock, naive so templates do not convert it back to the server's zone.
        at=timezone.make_naive(pickup.picked_up_at, ZoneInfo(pickup.location.timezone)),
        customer=order.customer_name,
        handed_over_by=(by.get_full_name() or by.get_username()) if by else "",
    )


def _held(order: Order, result: Any) -> str:
    return f"{order.number} is on hold: nothing is routed, picked or shipped until it is released."


def _released(order: Order, result: Any) -> str:
    return f"{order.number} released: it is {result.get_status_display().lower()}."


def _rerouted(order: Order, result: Any) -> str:
    if result is None:
        return f"{order.number}: nothing to re-route; every unit is being picked, packed or has shipped."
    return f"{order.number} re-routed. {result.decision.reason}"


def _cancelled(order: Order, result: Any) -> str:
    if result.status == OrderStatus.CANCELLED:
        return f"{order.number} cancelled; its reserved stock is available again."
    return f"{order.number}: everything that had not shipped is cancelled."


ORDER_ACTIONS: dict[str, tuple[Callable[..., Any], str, Callable[[Order, Any], str]]] = {
    "hold": (order_hold, "orders.route_order", _held),
    "release": (order_release, "orders.route_order", _released),
    "reroute": (order_reroute, "orders.route_order", _rerouted),
    "cancel": (order_cancel, "orders.cancel_order", _cancelled),
}


@require_POST
@permission_required("orders.view_order", raise_exception=True)
def order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Hold, release, re-route or cancel one order (with a reason), then back to its page."""
    if action not in ORDER_ACTIONS:
        raise Http404("No such action.")
    service, permission, describe = ORDER_ACTIONS[action]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    order = order_get(user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
    try:
        result = service(order=order, actor=request.user, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, describe(order, result))
    return redirect("orders:detail", pk=order.pk)


@require_POST
@permission_required("orders.route_order", raise_exception=True)
def shipment_reject_view(request: HttpRequest, pk: int, shipment_pk: int) -> HttpResponse:
    """Take one shipment away from its location and route its units elsewhere (a reason is required)."""
    order = order_get(user=request.user, pk=pk)
    shipment = next((s for s in order.shipments.all() if s.pk == shipment_pk), None)
    if shipment is None:
        raise Http404("No such shipment.")
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
    try:
        rejection = shipment_reject(shipment=shipment, reason=reason, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        where = shipment.location.code
        routing = rejection.routing
        if routing is not None and routing.shipments:
            text = f"{shipment.number} taken from {where}. Re-routed: {routing.decision.reason}"
        else:
            text = f"{shipment.number} taken from {where}; its units wait for stock."
        messages.success(request, text)
    return redirect("orders:detail", pk=order.pk)
