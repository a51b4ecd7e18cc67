"""The product's roles, as Django groups with permissions.

Groups are (re)synchronised after every `migrate`, so a new permission reaches its roles
on upgrade. Location scoping (which locations a warehouse operator or store associate may
see) lives in `inventory.LocationAccess` and is enforced by `inventory.selectors`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

ADMINISTRATOR = "Administrator"
BACK_OFFICE = "Back office"
WAREHOUSE_OPERATOR = "Warehouse operator"
STORE_ASSOCIATE = "Store associate"

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
    "webhooks",
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
