"""Staff create a return from the order page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from core.errors import DomainError
from core.htmx import render_page
from fulfillment.selectors.orders import order_get
from returns.forms import ReturnLinesForm
from returns.models import ReturnSource, ReturnStatus
from returns.selectors import order_returns, policy_reasons
from returns.services import return_policy_for, return_request, returnable_lines
from returns.views._shared import require


def return_create(request: HttpRequest, order_pk: int) -> HttpResponse:
    """Choose the lines, units, reasons and exchanges of a return for one order; authorise or hold it."""
    require(request, "returns.add_returnauthorization")
    if not request.user.has_perm("orders.view_order"):
        require(request, "orders.view_order")
    order = order_get(user=request.user, pk=order_pk)
    returnables = returnable_lines(order)
    reasons = policy_reasons(order)
    policy = return_policy_for(order.channel)
    form = ReturnLinesForm(request.POST or None, returnables=returnables, reasons=reasons)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rma = return_request(
                    order=order,
                    lines=form.line_inputs(),
                    source=ReturnSource.STAFF,
                    actor=request.user,
                    customer_note=form.cleaned_data["customer_note"],
                )
            except DomainError as exc:
                form.add_error(form.field_for(exc.field), exc.message)
            else:
                if rma.status == ReturnStatus.REQUESTED:
                    messages.warning(request, f"{rma.number} is held for approval: {rma.hold_reason}.")
                else:
                    where = rma.return_location.code if rma.return_location else "?"
                    label = f", label {rma.tracking_number}" if rma.tracking_number else ""
                    messages.success(request, f"{rma.number} authorised: back to {where}{label}.")
                return redirect("returns:detail", pk=rma.pk)
        status = 422
    context = {
        "order": order,
        "form": form,
        "rows": form.rows(),
        "policy": policy,
        "reasons": reasons,
        "any_returnable": any(item.available for item in returnables),
        "previous": order_returns(order),
    }
    return render_page(request, "returns/create.html", context, status=status)
