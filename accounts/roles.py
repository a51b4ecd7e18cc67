"""The roles a person can be given on the users page, and who counts as an administrator."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from core.roles import ADMINISTRATOR, BACK_OFFICE, STORE_ASSOCIATE, SUPPLIER, WAREHOUSE_OPERATOR

#: In the order the invite form lists them, each with what it means to the person choosing.
ROLE_CHOICES: list[tuple[str, str]] = [
    (ADMINISTRATOR, "Administrator: everything, including users and sign-in rules"),
    (BACK_OFFICE, "Back office: orders, inventory, channels and returns at every location"),
    (WAREHOUSE_OPERATOR, "Warehouse operator: receiving, counts and shipping at chosen locations"),
    (STORE_ASSOCIATE, "Store associate: pickups, ship-from-store and counter returns at one store"),
    (SUPPLIER, "Supplier: the supplier portal of one partner, nothing else"),
]
ROLE_NAMES = frozenset(name for name, _label in ROLE_CHOICES)
#: Roles that see only the locations granted to them (inventory.LocationAccess).
SCOPED_ROLES = frozenset({WAREHOUSE_OPERATOR, STORE_ASSOCIATE})


def administrators() -> QuerySet[Any]:
    """Active people who can manage users: the Administrator role, or Django superusers."""
    user_model = get_user_model()
    return user_model.objects.filter(Q(groups__name=ADMINISTRATOR) | Q(is_superuser=True), is_active=True).distinct()


def role_of(user: Any) -> str:
    """The person's role (from prefetched groups when there are), or "" when none was given."""
    names = [group.name for group in user.groups.all() if group.name in ROLE_NAMES]
    if not names:
        return ADMINISTRATOR if user.is_superuser else ""
    # One role each; an older account in several keeps the most powerful, as its permissions do.
    order = [name for name, _label in ROLE_CHOICES]
    return min(names, key=order.index)
