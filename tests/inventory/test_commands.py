"""Management commands: inventory_verify (ledger replay) and seed_demo (the demo network)."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from core.geo import geocode_postal_code
from core.roles import ADMINISTRATOR, BACK_OFFICE, STORE_ASSOCIATE, WAREHOUSE_OPERATOR
from inventory.demo import DemoPlan, build_plan, full_catalog, gtin13, gtin13_check_digit, is_valid_gtin13
from inventory.models import SKU, Location, LocationAccess, LocationKind, StockLevel, StockMovement, Transfer
from inventory.selectors import location_list
from inventory.services import ledger_verify
from tests.factories import stocked

SEED, SMALL = 7, 20


def run(*args: str) -> tuple[str, str]:
    """Run a management command; return (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- inventory_verify ---------------------------------------------------------------------


@pytest.mark.django_db
def test_inventory_verify_reports_no_drift(warehouse, store, sku):
    stocked(warehouse, sku, 10)
    stocked(store, sku, 2)
    out, _ = run("inventory_verify")
    assert "Ledger verified: 2 stock levels, no drift." in out


@pytest.mark.django_db
def test_inventory_verify_fails_on_a_level_changed_behind_the_ledger(warehouse, sku):
    level = stocked(warehouse, sku, 10)
    with connection.cursor() as cursor:  # bypasses the services: no ledger row
        cursor.execute("UPDATE inventory_stocklevel SET on_hand = on_hand + 5, reserved = 1 WHERE id = %s", [level.pk])
    err = StringIO()
    with pytest.raises(CommandError, match="Ledger drift"):
        call_command("inventory_verify", stdout=StringIO(), stderr=err)
    assert "Drift: TEE-BLK-M at dal-dc: on_hand is 15, ledger says 10" in err.getvalue()
    assert "Drift: TEE-BLK-M at dal-dc: reserved is 1, ledger says 0" in err.getvalue()


# --- The plan (pure) ----------------------------------------------------------------------


def test_gtin13_check_digits():
    assert gtin13_check_digit("400638133393") == "1"  # 4006381333931, the textbook EAN-13
    assert gtin13_check_digit("061414100001") == "2"
    assert is_valid_gtin13(gtin13(1)) and gtin13(1) == "0614141000012"
    assert not is_valid_gtin13("0614141000013")
    with pytest.raises(ValueError):
        gtin13_check_digit("123")


def test_catalog_is_realistic_and_unique():
    catalog = full_catalog()
    assert len(catalog) >= 300
    assert len({s.code for s in catalog}) == len(catalog)
    assert len({s.barcode for s in catalog}) == len(catalog)
    assert all(is_valid_gtin13(s.barcode) for s in catalog)
    assert set(Counter(s.family for s in catalog)) == {"apparel", "footwear", "home", "electronics"}
    assert all(s.weight_grams > 0 and s.length_mm and s.width_mm and s.height_mm and s.price > 0 for s in catalog)
    assert all(len(s.code) <= 64 and len(s.name) <= 200 for s in catalog)


def test_plan_is_deterministic_per_seed():
    assert build_plan(seed=SEED, sku_count=SMALL) == build_plan(seed=SEED, sku_count=SMALL)
    assert build_plan(seed=SEED, sku_count=SMALL) != build_plan(seed=SEED + 1, sku_count=SMALL)
    assert build_plan(seed=42) == build_plan(seed=42)


def test_full_plan_spreads_stock_unevenly():
    plan = build_plan(seed=42)
    assert len(plan.skus) == 300
    kinds = {loc.code: loc.kind for loc in plan.locations}
    assert Counter(kinds.values()) == {
        LocationKind.WAREHOUSE: 4,
        LocationKind.STORE: 8,
        LocationKind.THIRD_PARTY: 2,
        LocationKind.DROPSHIP_SUPPLIER: 2,
    }
    assert all(geocode_postal_code(loc.postal_code) is not None for loc in plan.locations)
    assert len({geocode_postal_code(loc.postal_code).region for loc in plan.locations}) >= 12  # type: ignore[union-attr]

    on_hand_by_kind: dict[str, list[int]] = {}
    for row in plan.stock:
        on_hand_by_kind.setdefault(kinds[row.location], []).append(row.on_hand)
    median = {kind: sorted(values)[len(values) // 2] for kind, values in on_hand_by_kind.items()}
    assert median[LocationKind.WAREHOUSE] > 5 * median[LocationKind.STORE]
    assert all(value <= 15 for value in on_hand_by_kind[LocationKind.STORE])

    stocked_skus = {row.sku for row in plan.stock}
    assert stocked_skus == {s.code for s in plan.skus}
    assert any(row.on_hand == 0 for row in plan.stock), "some levels have run out"
    assert any(0 < row.on_hand <= 3 and row.safety_stock for row in plan.stock), "some levels run low"
    places = Counter(row.sku for row in plan.stock)
    assert min(places.values()) < 4 < max(places.values()), "some SKUs are held only in a few places"
    family = {s.code: s.family for s in plan.skus}
    assert {family[r.sku] for r in plan.stock if r.location == "ds-hearthloom"} == {"home"}
    assert {family[r.sku] for r in plan.stock if r.location == "ds-voltline"} == {"electronics"}
    assert Counter(t.status for t in plan.transfers) == {"requested": 2, "shipped": 2, "received": 2, "cancelled": 2}


def expected_levels(plan: DemoPlan) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    """(on_hand, reserved, safety_stock, in_transit) per (location, SKU), worked out from the plan alone."""
    levels = {(r.location, r.sku): [r.on_hand, 0, r.safety_stock, 0] for r in plan.stock}
    for transfer in plan.transfers:
        for sku, quantity in transfer.lines:
            source = levels[(transfer.source, sku)]
            if transfer.status == "requested":
                source[1] += quantity
            elif transfer.status in ("shipped", "received"):
                source[0] -= quantity
                destination = levels.setdefault((transfer.destination, sku), [0, 0, 0, 0])
                destination[0 if transfer.status == "received" else 3] += quantity
    return {key: (v[0], v[1], v[2], v[3]) for key, v in levels.items()}


def database_levels() -> dict[tuple[str, str], tuple[int, int, int, int]]:
    """The same figures as stored."""
    rows = StockLevel.objects.values_list(
        "location__code", "sku__code", "on_hand", "reserved", "safety_stock", "in_transit"
    )
    return {(loc, sku): (on_hand, reserved, safety, transit) for loc, sku, on_hand, reserved, safety, transit in rows}


# --- seed_demo ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_builds_the_network_through_the_services():
    out, _ = run("seed_demo", "--seed", str(SEED), "--skus", str(SMALL))
    plan = build_plan(seed=SEED, sku_count=SMALL)

    assert Counter(Location.objects.values_list("kind", flat=True)) == {
        "warehouse": 4,
        "store": 8,
        "3pl": 2,
        "dropship_supplier": 2,
    }
    dallas = Location.objects.get(code="dal-dc")
    assert (dallas.city, dallas.region, dallas.timezone) == ("Dallas", "TX", "America/Chicago")
    assert dallas.latitude is not None and dallas.order_cutoff_time is not None
    stores = Location.objects.filter(kind=LocationKind.STORE)
    assert all(s.offers_pickup and s.accepts_returns and s.ship_from_store for s in stores)
    assert all(s.daily_order_capacity and s.daily_order_capacity < 100 for s in stores)
    suppliers = Location.objects.filter(kind=LocationKind.DROPSHIP_SUPPLIER)
    assert all(s.ships_orders and not (s.offers_pickup or s.accepts_returns) for s in suppliers)

    assert sorted(SKU.objects.values_list("code", flat=True)) == sorted(s.code for s in plan.skus)
    assert all(is_valid_gtin13(code) for code in SKU.objects.values_list("barcode", flat=True))
    # Same seed, any fresh database: the same SKUs and the same quantities everywhere.
    assert database_levels() == expected_levels(plan)
    assert Counter(Transfer.objects.values_list("status", flat=True)) == {
        "requested": 2,
        "shipped": 2,
        "received": 2,
        "cancelled": 2,
    }
    assert StockMovement.objects.filter(kind="receipt", document_type="purchase_order").exists()
    assert ledger_verify() == []

    assert "demo-admin-2026" in out and "demo-associate-2026" in out


@pytest.mark.django_db
def test_seed_demo_creates_one_login_per_role():
    run("seed_demo", "--seed", str(SEED), "--skus", str(SMALL))
    users = {u.username: u for u in get_user_model().objects.prefetch_related("groups")}
    roles = {
        name: [g.name for g in users[name].groups.all()] for name in ("admin", "backoffice", "operator", "associate")
    }
    assert roles == {
        "admin": [ADMINISTRATOR],
        "backoffice": [BACK_OFFICE],
        "operator": [WAREHOUSE_OPERATOR],
        "associate": [STORE_ASSOCIATE],
    }
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not users["backoffice"].is_staff
    for name in roles:
        assert users[name].check_password(f"demo-{name}-2026")

    operator_sites = LocationAccess.objects.filter(user=users["operator"]).values_list("location__kind", flat=True)
    assert list(operator_sites) == [LocationKind.WAREHOUSE] * 2
    assert [loc.code for loc in location_list(user=users["associate"])] == ["nyc-herald-sq"]
    assert location_list(user=users["backoffice"]).count() == 16


@pytest.mark.django_db
def test_seed_demo_if_empty_is_safe_to_repeat():
    run("seed_demo", "--seed", str(SEED), "--skus", "5")
    movements = StockMovement.objects.count()
    out, _ = run("seed_demo", "--seed", str(SEED), "--skus", "5", "--if-empty")
    assert "already has locations" in out
    assert StockMovement.objects.count() == movements
    with pytest.raises(CommandError, match="already has locations"):
        run("seed_demo", "--seed", str(SEED), "--skus", "5")


@pytest.mark.django_db
def test_seed_demo_keeps_an_existing_admin_password():
    get_user_model().objects.create_user(username="admin", password="my-own-secret")
    out, _ = run("seed_demo", "--seed", str(SEED), "--skus", "5")
    assert "existing user, password unchanged" in out
    assert get_user_model().objects.get(username="admin").check_password("my-own-secret")


@pytest.mark.django_db
def test_seed_demo_refuses_a_nonsense_size():
    with pytest.raises(CommandError):
        run("seed_demo", "--skus", "0")
