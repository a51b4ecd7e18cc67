"""Roles (groups with permissions) and location scoping enforced by the inventory selectors."""

from __future__ import annotations

from typing import cast

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from core.errors import ValidationFailed
from core.roles import ADMINISTRATOR, BACK_OFFICE, ROLE_PERMISSIONS, STORE_ASSOCIATE, WAREHOUSE_OPERATOR, roles_sync
from inventory.models import Location, LocationAccess
from inventory.selectors import (
    availability_for_sku,
    ledger_for_sku,
    location_get,
    location_list,
    stock_levels_for_sku,
    transfer_get,
    transfer_list,
    visible_location_ids,
)
from inventory.services import StockLine, location_access_grant, transfer_create
from tests.factories import LocationFactory, stocked, user_with_role

pytestmark = pytest.mark.django_db

KEY_PERMISSIONS = [
    "inventory.adjust_stock",
    "inventory.count_stock",
    "inventory.reserve_stock",
    "inventory.import_stock",
    "inventory.manage_transfers",
    "inventory.access_all_locations",
    "inventory.add_location",
    "inventory.change_sku",
    "inventory.view_stocklevel",
    "auth.add_user",
    "auth.change_group",
]

EXPECTED = {
    ADMINISTRATOR: set(KEY_PERMISSIONS),
    BACK_OFFICE: {
        "inventory.adjust_stock",
        "inventory.count_stock",
        "inventory.reserve_stock",
        "inventory.import_stock",
        "inventory.manage_transfers",
        "inventory.access_all_locations",
        "inventory.add_location",
        "inventory.change_sku",
        "inventory.view_stocklevel",
    },
    WAREHOUSE_OPERATOR: {
        "inventory.adjust_stock",
        "inventory.count_stock",
        "inventory.manage_transfers",
        "inventory.view_stocklevel",
    },
    STORE_ASSOCIATE: {"inventory.count_stock", "inventory.view_stocklevel"},
}


@pytest.fixture
def network(warehouse, store, other_store, sku):
    """Stock of one SKU at the warehouse and both stores, with a transfer to each store."""
    for location in (warehouse, store, other_store):
        stocked(location, sku, 10)
    to_store = transfer_create(source=warehouse, destination=store, lines=[StockLine(sku.pk, 1)], actor=None)
    to_other = transfer_create(source=warehouse, destination=other_store, lines=[StockLine(sku.pk, 2)], actor=None)
    return {"to_store": to_store, "to_other_store": to_other}


def test_migrate_creates_the_four_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        ADMINISTRATOR,
        BACK_OFFICE,
        WAREHOUSE_OPERATOR,
        STORE_ASSOCIATE,
    }


def test_each_role_group_holds_exactly_its_listed_permissions():
    assert_roles_hold_their_listed_permissions()


def assert_roles_hold_their_listed_permissions() -> None:
    for role, codes in ROLE_PERMISSIONS.items():
        if codes is None:
            continue
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=role).permissions.all()}
        assert granted == set(codes), role


def test_migrate_or_flush_restores_every_role_group_syncing_them_once():
    """`migrate` and `flush` (every transactional test) send post_migrate once per app: the role
    groups come back complete from one sync, not forty."""
    Group.objects.all().delete()

    with CaptureQueriesContext(connection) as ctx:
        emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)

    group_reads = [q["sql"] for q in ctx.captured_queries if '"auth_group"."name" =' in q["sql"]]
    assert len(group_reads) == len(ROLE_PERMISSIONS)
    assert_roles_hold_their_listed_permissions()


def test_roles_sync_is_idempotent_and_restores_a_removed_permission():
    back_office = Group.objects.get(name=BACK_OFFICE)
    back_office.permissions.remove(*back_office.permissions.filter(codename="import_stock"))
    before_admin = set(Group.objects.get(name=ADMINISTRATOR).permissions.values_list("pk", flat=True))

    roles_sync()
    roles_sync()

    assert back_office.permissions.filter(codename="import_stock").exists()
    assert set(Group.objects.get(name=ADMINISTRATOR).permissions.values_list("pk", flat=True)) == before_admin
    assert Group.objects.filter(name=BACK_OFFICE).count() == 1


@pytest.mark.parametrize("role", [ADMINISTRATOR, BACK_OFFICE, WAREHOUSE_OPERATOR, STORE_ASSOCIATE])
def test_each_role_has_exactly_its_key_permissions(role, warehouse, store):
    # Not a superuser: the Administrator's rights must come from the group itself.
    user = user_with_role(role, locations=[store] if role == STORE_ASSOCIATE else [warehouse])

    granted = {perm for perm in KEY_PERMISSIONS if user.has_perm(perm)}

    assert granted == EXPECTED[role]


def test_back_office_sees_every_location(back_office_user, warehouse, store, other_store):
    assert visible_location_ids(back_office_user) is None
    assert list(location_list(user=back_office_user).values_list("code", flat=True)) == [
        "chi-store",
        "dal-dc",
        "nyc-store",
    ]
    assert location_get(user=back_office_user, pk=other_store.pk) == other_store


def test_a_warehouse_operator_works_only_at_granted_locations(operator_user, warehouse, store):
    assert operator_user.has_perm("inventory.adjust_stock")
    assert visible_location_ids(operator_user) == {warehouse.pk}
    assert location_get(user=operator_user, code="dal-dc") == warehouse
    with pytest.raises(Http404):
        location_get(user=operator_user, pk=store.pk)


def test_a_store_associate_sees_only_their_store(associate_user, store, other_store, warehouse):
    assert visible_location_ids(associate_user) == {store.pk}
    assert list(location_list(user=associate_user)) == [store]
    assert location_get(user=associate_user, pk=store.pk) == store


@pytest.mark.parametrize("lookup", ["pk", "code"])
def test_a_store_associate_typing_another_stores_address_gets_404(associate_user, other_store, lookup):
    with pytest.raises(Http404):
        location_get(user=associate_user, **{lookup: getattr(other_store, lookup)})


def test_an_anonymous_visitor_sees_no_location(warehouse, store):
    anonymous = AnonymousUser()

    assert visible_location_ids(anonymous) == set()
    assert not location_list(user=anonymous).exists()
    with pytest.raises(Http404):
        location_get(user=anonymous, pk=warehouse.pk)


def test_stock_levels_hide_other_locations_from_a_store_associate(associate_user, back_office_user, network, sku):
    assert [lvl.location.code for lvl in stock_levels_for_sku(user=associate_user, sku=sku)] == ["nyc-store"]
    assert [lvl.location.code for lvl in stock_levels_for_sku(user=back_office_user, sku=sku)] == [
        "chi-store",
        "dal-dc",
        "nyc-store",
    ]
    availability = availability_for_sku(user=associate_user, sku=sku)
    assert availability["available"] == 10
    assert [row["location"] for row in availability["locations"]] == ["nyc-store"]


def test_ledger_history_hides_other_locations_from_a_store_associate(associate_user, back_office_user, network, sku):
    assert set(ledger_for_sku(user=associate_user, sku=sku).values_list("location__code", flat=True)) == {"nyc-store"}
    assert set(ledger_for_sku(user=back_office_user, sku=sku).values_list("location__code", flat=True)) == {
        "chi-store",
        "dal-dc",
        "nyc-store",
    }


def test_transfers_are_visible_only_to_staff_of_a_location_they_touch(
    associate_user, operator_user, back_office_user, network
):
    to_store, to_other = network["to_store"], network["to_other_store"]

    assert list(transfer_list(user=associate_user)) == [to_store]
    assert set(transfer_list(user=operator_user)) == {to_store, to_other}
    assert set(transfer_list(user=back_office_user)) == {to_store, to_other}
    with pytest.raises(Http404):
        transfer_get(user=associate_user, pk=to_other.pk)


@pytest.mark.parametrize("locations", ["two_stores", "warehouse", "none"])
def test_a_store_associate_is_granted_exactly_one_store(associate_user, store, other_store, warehouse, locations):
    chosen = {"two_stores": [store, other_store], "warehouse": [warehouse], "none": []}[locations]

    with pytest.raises(ValidationFailed) as excinfo:
        location_access_grant(user=associate_user, locations=chosen)

    assert excinfo.value.field == "locations"
    assert visible_location_ids(associate_user) == {store.pk}


def test_granting_a_store_associate_another_store_replaces_their_store(associate_user, store, other_store):
    location_access_grant(user=associate_user, locations=[other_store])

    assert visible_location_ids(associate_user) == {other_store.pk}
    with pytest.raises(Http404):
        location_get(user=associate_user, pk=store.pk)


def test_a_warehouse_operator_may_be_granted_several_locations(operator_user, warehouse, store):
    third = cast(Location, LocationFactory(code="phx-dc"))

    location_access_grant(user=operator_user, locations=[warehouse, third])

    assert visible_location_ids(operator_user) == {warehouse.pk, third.pk}
    assert LocationAccess.objects.filter(user=operator_user).count() == 2
