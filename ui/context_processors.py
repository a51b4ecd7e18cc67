"""Template context shared by every page: the navigation, filtered by permission."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from core.roles import is_supplier_session
from ui.store_access import works_a_store

#: The links people use all day come first; the rest go under "More" once there are too many
#: for one line (see `PRIMARY`).
NAVIGATION = [
    ("Dashboard", "ui:dashboard", None),
    # Early: on a phone the bar scrolls sideways, and a store associate's day starts here.
    ("Pickups", "fulfillment:pickups", "fulfillment.work_shipments"),
    ("Orders", "orders:index", "orders.view_order"),
    ("KPIs", "analytics:dashboard", "analytics.view_kpis"),
    ("Work queue", "fulfillment:work", "fulfillment.work_shipments"),
    ("Consolidation", "fulfillment:consolidation", "fulfillment.work_shipments"),
    ("Inventory", "inventory:grid", "inventory.view_stocklevel"),
    ("Locations", "inventory:location_list", "inventory.view_location"),
    ("Transfers", "inventory:transfer_list", "inventory.view_transfer"),
    ("Cycle counts", "inventory:count_list", "inventory.count_stock"),
    ("Stock movements", "lists:movements", "inventory.view_stockmovement"),
    ("Channels", "channels:index", "channels.view_channel"),
    ("Emails", "notifications:index", "notifications.manage_notifications"),
    ("Routing", "fulfillment:routing", "fulfillment.view_carrier"),
    ("Carriers", "carriers:account_list", "carriers.manage_carrier_accounts"),
    ("Returns", "returns:index", None),
    ("QC", "quality:queue", "quality.inspect"),
    ("Photos", "quality:photo_queue", "quality.photograph"),
    ("Webhooks", "webhooks:endpoint_list", "webhooks.manage_webhooks"),
    ("Partners", "partners:partner_list", "partners.manage_partners"),
    ("Purchase orders", "partners:po_list", "partners.manage_partners"),
    ("Planning", "planning:index", "planning.view_demandforecast"),
    ("Users", "accounts:people", "accounts.manage_users"),
    ("Audit trail", "audit:list", "audit.view_audit_trail"),
]
#: Shown on the bar itself; every other allowed link goes under "More" when more than `BAR_LIMIT` are allowed.
PRIMARY = frozenset({"Dashboard", "Orders", "Work queue", "Inventory", "Returns", "Pickups", "Partners", "QC"})
BAR_LIMIT = 8
#: Links to the stores' queues: shown only to people who work at a store (see `ui.store_access`).
NEEDS_A_STORE = frozenset({"fulfillment:pickups"})
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
        if url_name in NEEDS_A_STORE and not works_a_store(request):
            continue
        url = reverse(url_name)
        matches = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "active": matches})
    # Only the most specific link is current (/partners/ and /partners/purchase-orders/ both match the latter).
    longest = max((len(item["url"]) for item in items if item["active"]), default=0)
    for item in items:
        item["active"] = item["active"] and len(item["url"]) == longest
    if len(items) <= BAR_LIMIT or is_supplier_session(request):
        return {"nav_items": items, "nav_more": [], "nav_more_active": False}
    more = [item for item in items if item["label"] not in PRIMARY]
    return {
        "nav_items": [item for item in items if item["label"] in PRIMARY],
        "nav_more": more,
        "nav_more_active": any(item["active"] for item in more),
    }
