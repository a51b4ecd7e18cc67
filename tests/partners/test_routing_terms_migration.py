"""The data migration that marks, in routing's copy of the terms, the locations partners ran on terms of
nothing (before, such terms left no row, and routing now sends a dropship location no order without one)."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from fulfillment.models import LocationCostTerms
from tests.factories.partners import dropship_supplier

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("partners.migrations.0007_routing_terms_mark_run_locations")


def test_each_location_an_active_partner_runs_gets_a_row_and_kept_terms_stay():
    _zero, zero_ds = dropship_supplier("zero")
    dropship_supplier("paid", per_order_fee=Decimal("2.00"))
    _gone, gone_ds = dropship_supplier("gone", is_active=False)
    LocationCostTerms.objects.filter(location=zero_ds).delete()  # as terms of nothing left it before

    MIGRATION.mark_run_locations(apps, None)

    rows = LocationCostTerms.objects.order_by("location__code")
    assert [(row.location.code, row.label, row.order_fee, row.unit_fee) for row in rows] == [
        ("paid-ds", "Paid Supply terms", Decimal("2.00"), Decimal("0.00")),
        ("zero-ds", "Zero Supply terms", Decimal("0.00"), Decimal("0.00")),
    ]
    assert not LocationCostTerms.objects.filter(location=gone_ds).exists()  # nobody runs it
