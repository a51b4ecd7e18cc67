"""Template context shared by every page: the navigation, filtered by permission."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

NAVIGATION = [
    ("Dashboard", "ui:dashboard", None),
    ("Orders", "orders:index", "orders.view_order"),
    ("Work queue", "fulfillment:work", "fulfillment.work_shipments"),
    ("Inventory", "inventory:grid", "inventory.view_stocklevel"),
    ("Locations", "inventory:location_list", "inventory.view_location"),
    ("Transfers", "inventory:transfer_list", "inventory.view_transfer"),
    ("Channels", "channels:index", "channels.view_channel"),
    ("Routing", "fulfillment:routing", "fulfillment.view_carrier"),
    ("Carriers", "carriers:account_list", "carriers.manage_carrier_accounts"),
    ("Returns", "returns:index", None),
    ("Pickups", "fulfillment:pickups", "fulfillment.work_shipments"),
    ("Webhooks", "webhooks:endpoint_list", "webhooks.manage_webhooks"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The nav links the current user may follow, with the active one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, url_name, perm in NAVIGATION:
        if perm and not user.has_perm(perm):
            continue
        url = reverse(url_name)
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}
