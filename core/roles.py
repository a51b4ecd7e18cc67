"""The product's roles, as Django groups with permissions.

Groups are (re)synchronised after every `migrate`, so a new permission reaches its roles
on upgrade. Location scoping (which locations a warehouse operator or store associate may
see) lives in `inventory.LocationAccess` and is enforced by `inventory.selectors`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

ADMINISTRATOR = "Administrator"
BACK_OFFICE = "Back office"
WAREHOUSE_OPERATOR = "Warehouse operator"
STORE_ASSOCIATE = "Store associate"
#: A supplier's person: the supplier portal and nothing else (see `user_is_supplier`).
SUPPLIER = "Supplier"
#: Set at sign-in: whether this session is a supplier's, so every request is scoped without a query.
SUPPLIER_SESSION_KEY = "supplier_portal"

_VIEW_INVENTORY = [
    "inventory.view_location",
    "inventory.view_sku",
    "inventory.view_stocklevel",
    "inventory.view_stockmovement",
    "inventory.view_transfer",
]

ROLE_PERMISSIONS: dict[str, list[str] | None] = {
    # None: every permission of the product's apps and of user management.
    ADMINISTRATOR: None,
    BACK_OFFICE: [
        *_VIEW_INVENTORY,
        "inventory.add_location",
        "inventory.change_location",
        "inventory.add_sku",
        "inventory.change_sku",
        "inventory.access_all_locations",
        "inventory.adjust_stock",
        "inventory.count_stock",
        "inventory.reserve_stock",
        "inventory.import_stock",
        "inventory.manage_transfers",
        "fulfillment.view_carrier",
        "fulfillment.manage_rates",
        "carriers.manage_carrier_accounts",
        "carriers.view_carrieraccount",
        "carriers.view_boxtype",
        "carriers.add_boxtype",
        "carriers.change_boxtype",
        "channels.view_channel",
        "channels.manage_api_keys",
        "marketplaces.manage_sync",
        "orders.view_order",
        "orders.add_order",
        "orders.change_order",
        "orders.route_order",
        "orders.cancel_order",
        "fulfillment.view_shipment",
        "fulfillment.work_shipments",
        "returns.view_returnauthorization",
        "returns.add_returnauthorization",
        "returns.approve_return",
        "returns.receive_return",
        "returns.counter_return",
        "returns.manage_refunds",
        "returns.manage_return_policies",
        "notifications.view_notification",
        "notifications.manage_notifications",
        "notifications.resend_notification",
        "quality.inspect",
        "quality.photograph",
        "quality.manage_quality",
        "partners.manage_partners",
        "planning.view_demandforecast",
        "planning.run_forecasts",
        "planning.view_replenishmentproposal",
        "planning.manage_proposals",
        "analytics.view_kpis",
        "audit.view_audit_trail",
    ],
    WAREHOUSE_OPERATOR: [
        *_VIEW_INVENTORY,
        "inventory.adjust_stock",
        "inventory.count_stock",
        "inventory.manage_transfers",
        "fulfillment.view_shipment",
        "fulfillment.work_shipments",
        "returns.view_returnauthorization",
        "returns.receive_return",
        "quality.inspect",
        "quality.photograph",
    ],
    STORE_ASSOCIATE: [
        "inventory.view_location",
        "inventory.view_sku",
        "inventory.view_stocklevel",
        "inventory.view_stockmovement",
        "inventory.count_stock",
        "fulfillment.view_shipment",
        "fulfillment.work_shipments",
        "returns.receive_return",
        "returns.counter_return",
    ],
    # No permission at all: the supplier portal is open to users linked to a partner (partners.PartnerUser)
    # and scopes them to that partner; core.middleware keeps a supplier's session out of every other page.
    SUPPLIER: [],
}

ADMIN_APP_LABELS = (
    "auth",
    "authtoken",
    "core",
    "inventory",
    "channels",
    "carriers",
    "orders",
    "fulfillment",
    "marketplaces",
    "returns",
    "notifications",
    "webhooks",
    "partners",
    "quality",
    "analytics",
    "audit",
    "accounts",  # accounts.manage_users: the users pages and sign-in rules
)


def roles_sync(**_: Any) -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""

    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        if codes is None:
            perms = list(Permission.objects.filter(content_type__app_label__in=ADMIN_APP_LABELS))
        else:
            perms = []
            for code in codes:
                app_label, codename = code.split(".")
                perms.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)


def user_is_supplier(user: Any) -> bool:
    """True for a supplier's person: in the Supplier role, or linked to a partner (partners.PartnerUser).

    The link counts on its own so that a supplier user someone forgot to put in the role is
    still kept out of the back office. The reverse name is read, not imported: core imports no app.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if user.groups.filter(name=SUPPLIER).exists():
        return True
    return hasattr(user, "partner_membership")


@receiver(user_logged_in, dispatch_uid="core.roles.supplier_session_mark")
def supplier_session_mark(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    """Remember in the session whether a supplier signed in (the scoping then costs no query a request)."""
    if request is not None and hasattr(request, "session"):
        request.session[SUPPLIER_SESSION_KEY] = user_is_supplier(user)


def is_supplier_session(request: HttpRequest) -> bool:
    """True when the request's session is a supplier's (marked at sign-in; older sessions are marked now)."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or user is None or not user.is_authenticated:
        return False
    marked = session.get(SUPPLIER_SESSION_KEY)
    if marked is None:  # a session from before the mark existed
        marked = session[SUPPLIER_SESSION_KEY] = user_is_supplier(user)
    return bool(marked)
