"""Defect rates per location and SKU, and the routing exclusion of partner locations above the policy's rate."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fulfillment.models import RoutingPolicy
from fulfillment.selectors.cost_model import routing_rules_for
from fulfillment.services.rates import PolicyRules, routing_policy_set
from inventory.models import LocationKind
from inventory.services import StockLine, transfer_create, transfer_ship
from inventory.services.transfers import transfer_receive
from quality.models import DefectExclusion, Inspection
from quality.selectors import defect_rate_for_locations, defect_rates, qc_rules_for_locations
from quality.services import UnitResult, defect_exclusions_apply, inspection_record, quality_policy_set
from quality.tasks import defect_exclusions_task
from tests.factories import stocked
from tests.factories.pages import make_location, make_sku
from tests.quality.conftest import make_channel, make_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier(db: Any) -> Any:
    return make_location(code="acme-drop", name="Acme dropship", kind=LocationKind.DROPSHIP_SUPPLIER)


@pytest.fixture
def tpl(db: Any) -> Any:
    return make_location(code="ship-3pl", name="3PL Reno", kind=LocationKind.THIRD_PARTY)


def inspect(receive: Any, location: Any, sku: Any, *, passed: int, failed: int) -> Inspection:
    """Receive `passed + failed` units at `location` under the every-unit rule and record the results."""
    receive(location, sku, passed + failed)
    inspection = Inspection.objects.filter(location=location, sku=sku, status="open").latest("id")
    results = [UnitResult(passed=True)] * passed + [UnitResult(passed=False, failed_checks=(0,))] * failed
    return inspection_record(inspection=inspection, results=results, actor=None)


def test_rates_are_per_location_and_sku_and_count_a_transfer_against_its_source(
    warehouse, supplier, tpl, receive, django_capture_on_commit_callbacks
) -> None:
    tee, mug = make_sku(code="TEE"), make_sku(code="MUG")
    make_rule()
    inspect(receive, supplier, tee, passed=8, failed=2)
    inspect(receive, supplier, mug, passed=10, failed=0)
    # Goods from the 3PL fail at our warehouse: the 3PL is charged with them, not the warehouse.
    stocked(tpl, tee, 5)
    transfer = transfer_create(source=tpl, destination=warehouse, lines=[StockLine(tee.pk, 4)], actor=None)
    transfer_ship(transfer=transfer, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        transfer_receive(transfer=transfer, actor=None)
    results = [UnitResult(passed=False, failed_checks=(2,))] * 3 + [UnitResult(passed=True)]
    inspection_record(inspection=Inspection.objects.get(location=warehouse), results=results, actor=None)

    by_sku = {(r.location_code, r.sku_code): (r.inspected, r.failed, r.rate_percent) for r in defect_rates()}
    assert by_sku == {
        ("acme-drop", "TEE"): (10, 2, Decimal("20.00")),
        ("acme-drop", "MUG"): (10, 0, Decimal("0.00")),
        ("ship-3pl", "TEE"): (4, 3, Decimal("75.00")),
    }
    per_location = [(r.location_code, r.rate_percent) for r in defect_rates(by_sku=False)]
    assert per_location == [("ship-3pl", Decimal("75.00")), ("acme-drop", Decimal("10.00"))]
    partner = defect_rate_for_locations(location_ids=[supplier.pk, tpl.pk])
    assert (partner.inspected, partner.failed, partner.rate_percent) == (24, 5, Decimal("20.83"))
    # Old inspections fall out of the window.
    Inspection.objects.filter(location=supplier).update(inspected_at=timezone.now() - timedelta(days=40))
    assert defect_rate_for_locations(location_ids=[supplier.pk], days=30).inspected == 0


def test_a_partner_rule_is_a_rule_on_its_locations(supplier, tpl, warehouse) -> None:
    partner_rule = make_rule("Acme inbound", locations=[supplier, tpl])
    make_rule("Warehouse inbound", locations=[warehouse])
    assert qc_rules_for_locations(location_ids={supplier.pk}) == [partner_rule]
    assert qc_rules_for_locations(location_ids={supplier.pk, tpl.pk}) == [partner_rule]


def test_partner_locations_above_the_rate_are_excluded_from_routing_and_let_back_when_it_drops(
    warehouse, supplier, tpl, receive
) -> None:
    web = make_channel(code="web")
    routing_policy_set(rules=PolicyRules(excluded_locations=["ship-3pl"], max_packages=2))
    channel_policy = routing_policy_set(rules=PolicyRules(), channel=web)
    tee = make_sku(code="TEE")
    make_rule()
    inspect(receive, supplier, tee, passed=15, failed=5)  # 25%
    inspect(receive, tpl, tee, passed=18, failed=2)  # 10%, but staff excluded it by hand
    inspect(receive, warehouse, tee, passed=1, failed=19)  # our own warehouse is never excluded for defects

    report = defect_exclusions_apply(threshold=Decimal("15"), days=30, minimum_units=20)
    assert (report.excluded, report.lifted) == (["acme-drop"], [])
    assert "acme-drop" in routing_rules_for(web).excluded_locations
    default = RoutingPolicy.objects.get(channel__isnull=True)
    assert sorted(loc.code for loc in default.excluded_locations.all()) == ["acme-drop", "ship-3pl"]
    assert default.max_packages == 2  # the policy's other rules are kept
    assert [loc.code for loc in channel_policy.excluded_locations.all()] == ["acme-drop"]
    exclusion = DefectExclusion.objects.get()
    assert (exclusion.location, exclusion.rate_percent, exclusion.failed_units) == (supplier, Decimal("25.00"), 5)

    again = defect_exclusions_apply(threshold=Decimal("15"), days=30, minimum_units=20)
    assert (again.excluded, again.kept, again.lifted) == ([], ["acme-drop"], [])

    # Sixty good units later Acme is at 5%: routed to again. The 3PL stays out: staff put it there.
    inspect(receive, supplier, tee, passed=60, failed=0)
    report = defect_exclusions_apply(threshold=Decimal("15"), days=30, minimum_units=20)
    assert report.lifted == ["acme-drop"]
    assert "acme-drop" not in routing_rules_for(web).excluded_locations
    assert [loc.code for loc in RoutingPolicy.objects.get(channel__isnull=True).excluded_locations.all()] == [
        "ship-3pl"
    ]
    assert not DefectExclusion.objects.exists()


def test_too_few_inspected_units_exclude_nobody_and_the_policy_drives_the_beat_task(supplier, receive) -> None:
    tee = make_sku(code="TEE")
    make_rule()
    inspect(receive, supplier, tee, passed=2, failed=3)
    quality_policy_set(exclude_above_percent=Decimal("10"), window_days=30, minimum_units=20)
    assert defect_exclusions_task() == {"excluded": [], "kept": [], "lifted": []}
    assert not RoutingPolicy.objects.exists()

    quality_policy_set(exclude_above_percent=Decimal("10"), window_days=30, minimum_units=5)
    assert defect_exclusions_task()["excluded"] == ["acme-drop"]
    assert [loc.code for loc in RoutingPolicy.objects.get().excluded_locations.all()] == ["acme-drop"]

    quality_policy_set(exclude_above_percent=None, window_days=30, minimum_units=5)  # switched off
    assert defect_exclusions_task()["lifted"] == ["acme-drop"]
    assert not RoutingPolicy.objects.get().excluded_locations.exists()
