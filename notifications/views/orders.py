"""One order's customer emails: what was sent, skipped or failed, and resending one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.htmx import render_page
from fulfillment.selectors.orders import order_get
from notifications.models import Notification
from notifications.selectors import order_notifications
from notifications.services import notification_resend
from notifications.views._shared import require

VIEW = "notifications.view_notification"
RESEND = "notifications.resend_notification"


@require_GET
def order_notifications_view(request: HttpRequest, order_id: int) -> HttpResponse:
    """Every email owed for the order, newest first (sent ones are on its timeline too)."""
    require(request, VIEW)
    order = order_get(user=request.user, pk=order_id)
    context = {
        "order": order,
        "rows": list(order_notifications(order)),
        "can_resend": request.user.has_perm(RESEND),
    }
    return render_page(request, "notifications/order.html", context)


@require_POST
def notification_resend_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Send an email again (an explicit staff action), to the order's current address."""
    require(request, RESEND)
    notification = get_object_or_404(Notification, pk=pk)
    order = order_get(user=request.user, pk=notification.order_id)  # 404 for an order the user may not see
    try:
        resent = notification_resend(notification=notification, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{resent.get_kind_display()} email queued again for {order.customer_email}.")
    return redirect("notifications:order", order_id=order.pk)
