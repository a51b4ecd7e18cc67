"""Demo logins: one user per role, in its role group, with its locations granted."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.roles import ADMINISTRATOR, BACK_OFFICE, STORE_ASSOCIATE, WAREHOUSE_OPERATOR
from inventory.demo.network import _STORE, _WH, NETWORK
from inventory.demo.specs import LocationSpec, UserSpec
from inventory.models import Location
from inventory.services import location_access_grant

# --- Planning -----------------------------------------------------------------------------


def _users(locations: tuple[LocationSpec, ...]) -> tuple[UserSpec, ...]:
    """One login per role; the operator works at two warehouses, the associate at one store."""
    warehouses = [loc.code for loc in locations if loc.kind == _WH]
    store = next(loc.code for loc in locations if loc.kind == _STORE)
    return (
        UserSpec("admin", "demo-admin-2026", ADMINISTRATOR, "Alex", "Admin", is_staff=True, is_superuser=True,
                 description="Administrator: everything, including /admin/"),
        UserSpec("backoffice", "demo-backoffice-2026", BACK_OFFICE, "Blair", "Office",
                 description="Back office: every location"),
        UserSpec("operator", "demo-operator-2026", WAREHOUSE_OPERATOR, "Owen", "Operator",
                 locations=tuple(warehouses[:2]), description=f"Warehouse operator: {', '.join(warehouses[:2])}"),
        UserSpec("associate", "demo-associate-2026", STORE_ASSOCIATE, "Sam", "Associate",
                 locations=(store,), description=f"Store associate: {store}"),
    )  # fmt: skip


def demo_users() -> tuple[UserSpec, ...]:
    """The demo's staff logins (username, password, role, what they see), as `seed_demo` creates them."""
    return _users(NETWORK)


# --- Writing ------------------------------------------------------------------------------


def _create_user(spec: UserSpec, locations: dict[str, Location]) -> bool:
    """Create a login in its role group and grant its locations; False if it already existed.

    An existing user (say, an administrator made with createsuperuser) keeps its password.
    """
    user_model = get_user_model()
    user = user_model.objects.filter(username=spec.username).first()
    created = user is None
    if user is None:
        user = user_model.objects.create_user(
            username=spec.username,
            email=f"{spec.username}@demo.example.com",
            password=spec.password,
            first_name=spec.first_name,
            last_name=spec.last_name,
            is_staff=spec.is_staff,
            is_superuser=spec.is_superuser,
        )
    user.groups.add(Group.objects.get(name=spec.role))
    if spec.locations:
        location_access_grant(user=user, locations=[locations[code] for code in spec.locations])
    return created
