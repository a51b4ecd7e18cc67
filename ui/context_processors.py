"""Template context shared by every page: the navigation, filtered by permission."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from core.roles import is_supplier_session

NAVIGATION = [
    ("Dashboard", "ui:dashboard", None),
    ("Orders", "orders:index", "orders.view_order"),
    ("Work queue", "fulfillment:work", "fulfillment.work_shipments"),
    ("Inventory", "inventory:grid", "inventory.view_stocklevel"),
    ("Locations", "inventory:location_list", "inventory.view_location"),
    ("Transfers", "inventory:transfer_list", "inventory.view_transfer"),
    ("Channels", "channels:index", "channels.view_channel"),
    ("Emails", "notifications:index", "notifications.manage_notifications"),
    ("Routing", "fulfillment:routing", "fulfillment.view_carrier"),
    ("Carriers", "carriers:account_list", "carriers.manage_carrier_accounts"),
    ("Returns", "returns:index", None),
    ("QC", "quality:queue", "quality.inspect"),
    ("Photos", "quality:photo_queue", "quality.photograph"),
    ("Pickups", "fulfillment:pickups", "fulfillment.work_shipments"),
    ("Webhooks", "webhooks:endpoint_list", "webhooks.manage_webhooks"),
    ("Partners", "partners:partner_list", "partners.manage_partners"),
    ("Purchase orders", "partners:po_list", "partners.manage_partners"),
]
#: A supplier's session sees its portal only (the middleware refuses it every other page).
SUPPLIER_NAVIGATION = [
    ("Purchase orders", "partners:portal_home", None),
    ("Inventory", "partners:portal_inventory", None),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The nav links the current user may follow, with the active one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items: list[dict[str, Any]] = []
    for label, url_name, perm in SUPPLIER_NAVIGATION if is_supplier_session(request) else NAVIGATION:
        if perm and not user.has_perm(perm):
            continue
        url = reverse(url_name)
        matches = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "active": matches})
    # Only the most specific link is current (/partners/ and /partners/purchase-orders/ both match the latter).
    longest = max((len(item["url"]) for item in items if item["active"]), default=0)
    for item in items:
        item["active"] = item["active"] and len(item["url"]) == longest
    return {"nav_items": items}
