"""The returns panel on the order page: the order's returns and a "Create return" entry."""

from __future__ import annotations

from typing import Any

from django import template

from orders.models import Order
from returns.selectors import order_returns

register = template.Library()


@register.inclusion_tag("returns/_order_panel.html", takes_context=True)
def order_returns_panel(context: dict[str, Any], order: Order) -> dict[str, Any]:
    """The order's returns (one query) and whether the user may create one."""
    request = context.get("request")
    user = getattr(request, "user", None)
    can_view = bool(user and user.has_perm("returns.view_returnauthorization"))
    return {
        "order": order,
        "returns": order_returns(order) if can_view else [],
        "can_view": can_view,
        "can_create": bool(user and user.has_perm("returns.add_returnauthorization")),
        "shipped": any(line.quantity_shipped for line in order.lines.all()),
    }
