"""The order page's address action: ship to the address the carrier suggested."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.errors import DomainError
from fulfillment.selectors.orders import order_get
from fulfillment.services.addresses import order_address_accept_suggestion
from orders.models import OrderStatus


@require_POST
@permission_required("orders.route_order", raise_exception=True)
def order_address_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy the carrier's suggested address into the order's ship-to, then back to the order."""
    order = order_get(user=request.user, pk=pk)
    try:
        changed = order_address_accept_suggestion(order=order, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        held = " It is still on hold: release it when it may ship." if changed.status == OrderStatus.ON_HOLD else ""
        messages.success(request, f"{changed.number} now ships to the address the carrier suggested.{held}")
    return redirect("orders:detail", pk=order.pk)
